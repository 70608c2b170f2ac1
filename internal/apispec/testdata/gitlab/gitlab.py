# gitlab.py writes handwritten.json, the hand-written part of the GitLab description (see SOURCE):
#   python3 internal/apispec/testdata/gitlab/gitlab.py
#   go run ./internal/apispec/cmd/trim -host gitlab -src internal/apispec/testdata/gitlab
# The second step merges it (trim.json "extra") with the verbatim excerpt of GitLab's published
# openapi_v2.yaml (openapi_v2.excerpt.yaml) into gitlab.json, the document the checker loads.
# Every shape here is from GitLab's REST docs (docs.gitlab.com/api/...) and webhook events docs.
# The fragment keeps only what the published description does not give (PUBLISHED below lists
# the operations taken from it, which are dropped here): GET /api/v4/user and the merge request
# notes operations (not described in the published file at this commit, see SOURCE),
# /oauth/token/info (Doorkeeper, not API v4) and the webhook payloads (documented in prose only).
import json
S=lambda t,**k: dict(type=t,**k)
str_=S("string"); int_=S("integer"); bool_=S("boolean")
nstr=dict(type="string",nullable=True); nint=dict(type="integer",nullable=True); ntime=dict(type="string",nullable=True)
def obj(req, **props): return {"type":"object","required":req,"properties":props}
ref=lambda n: {"$ref":"#/components/schemas/"+n}
nref=lambda n: {"nullable":True,"allOf":[ref(n)]}
arr=lambda x: {"type":"array","items":x}
schemas={
 "UserBasic": obj(["id","username","name","state","avatar_url","web_url"], id=int_, username=str_, name=str_, state=str_, locked=bool_, avatar_url=nstr, web_url=str_),
 "User": {"allOf":[ref("UserBasic"), obj(["created_at"], created_at=ntime, bot=bool_, email=str_)]},
 "PersonalAccessToken": obj(["id","name","revoked","created_at","scopes","user_id","active","expires_at"], id=int_, name=str_, revoked=bool_, created_at=str_, scopes=arr(str_), user_id=int_, active=bool_, expires_at=nstr, last_used_at=nstr),
 "Namespace": obj(["id","name","path","kind","full_path"], id=int_, name=str_, path=str_, kind=S("string",enum=["user","group"]), full_path=str_),
 "Project": obj(["id","name","path","path_with_namespace","default_branch","visibility","web_url","http_url_to_repo","ssh_url_to_repo","namespace","archived"],
   id=int_, name=str_, path=str_, path_with_namespace=str_, default_branch=nstr, visibility=S("string",enum=["private","internal","public"]),
   web_url=str_, http_url_to_repo=str_, ssh_url_to_repo=str_, namespace=ref("Namespace"), archived=bool_, empty_repo=bool_,
   permissions=obj([], project_access={"type":"object","nullable":True}, group_access={"type":"object","nullable":True})),
 "TreeItem": obj(["id","name","type","path","mode"], id=str_, name=str_, type=S("string",enum=["tree","blob","commit"]), path=str_, mode=str_),
 "File": obj(["file_name","file_path","size","encoding","content","ref","blob_id","commit_id","last_commit_id"], file_name=str_, file_path=str_, size=int_, encoding=str_, content=str_, content_sha256=str_, ref=str_, blob_id=str_, commit_id=str_, last_commit_id=str_),
 "DiffRefs": obj(["base_sha","head_sha","start_sha"], base_sha=nstr, head_sha=nstr, start_sha=nstr),
 "MergeRequest": obj(["id","iid","project_id","title","description","state","created_at","updated_at","merged_at","closed_at","target_branch","source_branch","source_project_id","target_project_id","author","draft","merge_status","sha","merge_commit_sha","squash_commit_sha","web_url","references"],
   id=int_, iid=int_, project_id=int_, title=str_, description=nstr, state=S("string",enum=["opened","closed","locked","merged"]),
   created_at=str_, updated_at=str_, merged_at=ntime, closed_at=ntime, target_branch=str_, source_branch=str_, source_project_id=int_, target_project_id=int_,
   author=ref("UserBasic"), draft=bool_, work_in_progress=bool_, merge_status=str_, detailed_merge_status=str_, sha=str_, merge_commit_sha=nstr, squash_commit_sha=nstr,
   diff_refs=nref("DiffRefs"), web_url=str_, references=obj(["short","relative","full"], short=str_, relative=str_, full=str_), changes_count=nstr),
 "Diff": obj(["old_path","new_path","a_mode","b_mode","diff","new_file","renamed_file","deleted_file"], old_path=str_, new_path=str_, a_mode=str_, b_mode=str_, diff=str_, new_file=bool_, renamed_file=bool_, deleted_file=bool_, generated_file={"type":"boolean","nullable":True}, collapsed=bool_, too_large=bool_),
 "Note": obj(["id","body","author","created_at","updated_at","system","noteable_id","noteable_type","noteable_iid","resolvable","confidential","internal"],
   id=int_, type=nstr, body=str_, attachment=nstr, author=ref("UserBasic"), created_at=str_, updated_at=str_, system=bool_, noteable_id=int_, noteable_type=str_, noteable_iid=nint, project_id=int_, resolvable=bool_, confidential=bool_, internal=bool_),
 "ProjectHook": obj(["id","url","project_id","push_events","merge_requests_events","note_events","tag_push_events","enable_ssl_verification","created_at"],
   id=int_, url=str_, name=nstr, description=nstr, project_id=int_, push_events=bool_, push_events_branch_filter=nstr, merge_requests_events=bool_, note_events=bool_, tag_push_events=bool_, enable_ssl_verification=bool_, created_at=str_, alert_status=str_, disabled_until=ntime),
 "Commit": obj(["id","short_id","title","message","author_name","author_email","created_at","parent_ids","web_url"], id=str_, short_id=str_, title=str_, message=str_, author_name=str_, author_email=str_, authored_date=str_, committer_name=str_, committer_email=str_, committed_date=str_, created_at=str_, parent_ids=arr(str_), web_url=str_),
 "Branch": obj(["name","commit","merged","protected","default","web_url"], name=str_, commit=ref("Commit"), merged=bool_, protected=bool_, default=bool_, developers_can_push=bool_, developers_can_merge=bool_, can_push=bool_, web_url=str_),
 "CommitStatus": obj(["id","sha","ref","status","name","target_url","description","created_at","author"], id=int_, sha=str_, ref=nstr, status=S("string",enum=["pending","running","success","failed","canceled","skipped"]), name=str_, target_url=nstr, description=nstr, created_at=str_, started_at=ntime, finished_at=ntime, allow_failure=bool_, coverage={"type":"number","nullable":True}, author=ref("UserBasic")),
 "TokenInfo": obj(["scope","created_at"], resource_owner_id=nint, scope=arr(str_), expires_in=nint, application=obj([], uid={"type":"string","nullable":True}), created_at=int_),
 "Error": {"type":"object","properties":{"message":{},"error":str_}},
}
P=lambda name,where="path",req=True,schema=str_: {"name":name,"in":where,"required":req,"schema":schema}
idp=P("id"); iid=P("merge_request_iid",schema=int_)
page=[P("page","query",False,int_),P("per_page","query",False,int_)]
def op(params=None, body=None, ok=200, schema=None, extra=None):
    o={"parameters":params or [], "responses":{str(ok):{"description":"ok"}}}
    if schema is not None:
        o["responses"][str(ok)]["content"]={"application/json":{"schema":schema}}
    for st in (400,401,403,404,409,422):
        o["responses"].setdefault(str(st),{"description":"error","content":{"application/json":{"schema":ref("Error")}}})
    if body is not None:
        o["requestBody"]={"required":True,"content":{"application/json":{"schema":body}}}
    if extra: o.update(extra)
    return o
hookbody=obj(["url"], url=str_, token=str_, push_events=bool_, merge_requests_events=bool_, note_events=bool_, tag_push_events=bool_, enable_ssl_verification=bool_, push_events_branch_filter=str_, name=str_, description=str_)
V4="/api/v4"
paths={
 V4+"/user": {"get": op(schema=ref("User"))},
 V4+"/personal_access_tokens/self": {"get": op(schema=ref("PersonalAccessToken"))},
 V4+"/projects": {"get": op(page+[P("membership","query",False,bool_),P("min_access_level","query",False,S("integer",enum=[5,10,15,20,30,40,50])),P("archived","query",False,bool_),P("simple","query",False,bool_),P("order_by","query",False,S("string",enum=["id","name","path","created_at","updated_at","last_activity_at","similarity","star_count"])),P("sort","query",False,S("string",enum=["asc","desc"])),P("pagination","query",False,S("string",enum=["keyset"])),P("id_after","query",False,int_)], schema=arr(ref("Project")))},
 V4+"/projects/{id}": {"get": op([idp,P("license","query",False,bool_),P("statistics","query",False,bool_)], schema=ref("Project"))},
 V4+"/projects/{id}/repository/files/{file_path}": {"get": op([idp,P("file_path"),P("ref","query",True)], schema=ref("File"))},
 V4+"/projects/{id}/repository/files/{file_path}/raw": {"get": op([idp,P("file_path"),P("ref","query",False),P("lfs","query",False,bool_)], schema=None, extra={"responses":{"200":{"description":"the file's bytes","content":{"*/*":{"schema":str_}}},"400":{"description":"error","content":{"application/json":{"schema":ref("Error")}}},"401":{"description":"error","content":{"application/json":{"schema":ref("Error")}}},"403":{"description":"error","content":{"application/json":{"schema":ref("Error")}}},"404":{"description":"error","content":{"application/json":{"schema":ref("Error")}}}}})},
 V4+"/projects/{id}/repository/tree": {"get": op([idp]+page+[P("path","query",False),P("ref","query",False),P("recursive","query",False,bool_),P("pagination","query",False,S("string",enum=["keyset"])),P("page_token","query",False)], schema=arr(ref("TreeItem")))},
 V4+"/projects/{id}/merge_requests": {
   "get": op([idp]+page+[P("state","query",False,S("string",enum=["opened","closed","locked","merged","all"])),P("order_by","query",False,S("string",enum=["created_at","updated_at","merged_at","title"])),P("sort","query",False,S("string",enum=["asc","desc"])),P("source_branch","query",False),P("target_branch","query",False),P("updated_after","query",False),P("view","query",False,S("string",enum=["simple"]))], schema=arr(ref("MergeRequest"))),
   "post": op([idp], body=obj(["source_branch","target_branch","title"], source_branch=str_, target_branch=str_, title=str_, description=str_, remove_source_branch=bool_, squash=bool_), ok=201, schema=ref("MergeRequest"))},
 V4+"/projects/{id}/merge_requests/{merge_request_iid}": {"get": op([idp,iid], schema=ref("MergeRequest")), "put": op([idp,iid], body=obj([], title=str_, description=str_, state_event=S("string",enum=["close","reopen"]), target_branch=str_), schema=ref("MergeRequest"))},
 V4+"/projects/{id}/merge_requests/{merge_request_iid}/merge": {"put": op([idp,iid], body=obj([], merge_commit_message=str_, squash_commit_message=str_, squash=bool_, should_remove_source_branch=bool_, sha=str_, auto_merge=bool_), schema=ref("MergeRequest"))},
 V4+"/projects/{id}/merge_requests/{merge_request_iid}/diffs": {"get": op([idp,iid]+page+[P("unidiff","query",False,bool_)], schema=arr(ref("Diff")))},
 V4+"/projects/{id}/merge_requests/{merge_request_iid}/notes": {
   "get": op([idp,iid]+page+[P("sort","query",False,S("string",enum=["asc","desc"])),P("order_by","query",False,S("string",enum=["created_at","updated_at"]))], schema=arr(ref("Note"))),
   "post": op([idp,iid], body=obj(["body"], body=str_, internal=bool_, created_at=str_, merge_request_diff_head_sha=str_), ok=201, schema=ref("Note"))},
 V4+"/projects/{id}/merge_requests/{merge_request_iid}/notes/{note_id}": {"get": op([idp,iid,P("note_id",schema=int_)], schema=ref("Note")), "put": op([idp,iid,P("note_id",schema=int_)], body=obj(["body"], body=str_), schema=ref("Note"))},
 V4+"/projects/{id}/hooks": {"get": op([idp]+page, schema=arr(ref("ProjectHook"))), "post": op([idp], body=hookbody, ok=201, schema=ref("ProjectHook"))},
 V4+"/projects/{id}/hooks/{hook_id}": {"get": op([idp,P("hook_id",schema=int_)], schema=ref("ProjectHook")), "put": op([idp,P("hook_id",schema=int_)], body=hookbody, schema=ref("ProjectHook")), "delete": op([idp,P("hook_id",schema=int_)], ok=204)},
 V4+"/projects/{id}/repository/branches": {"get": op([idp]+page+[P("search","query",False)], schema=arr(ref("Branch"))), "post": op([idp,P("branch","query",False),P("ref","query",False)], body=obj(["branch","ref"], branch=str_, ref=str_), ok=201, schema=ref("Branch"))},
 V4+"/projects/{id}/repository/branches/{branch}": {"get": op([idp,P("branch")], schema=ref("Branch")), "delete": op([idp,P("branch")], ok=204)},
 V4+"/projects/{id}/repository/commits": {"post": op([idp], body=obj(["branch","commit_message","actions"], branch=str_, commit_message=str_, start_branch=str_, start_sha=str_, author_name=str_, author_email=str_, force=bool_, actions=arr(obj(["action","file_path"], action=S("string",enum=["create","delete","move","update","chmod"]), file_path=str_, previous_path=str_, content=str_, encoding=S("string",enum=["text","base64"]), last_commit_id=str_))), ok=201, schema=ref("Commit"))},
 V4+"/projects/{id}/repository/commits/{sha}": {"get": op([idp,P("sha")], schema=ref("Commit"))},
 V4+"/projects/{id}/repository/commits/{sha}/statuses": {"get": op([idp,P("sha")]+page+[P("ref","query",False),P("name","query",False),P("all","query",False,bool_)], schema=arr(ref("CommitStatus")))},
 V4+"/projects/{id}/statuses/{sha}": {"post": op([idp,P("sha")], body=obj(["state"], state=S("string",enum=["pending","running","success","failed","canceled","skipped"]), ref=str_, name=str_, context=str_, target_url=str_, description=str_, coverage={"type":"number"}, pipeline_id=int_), ok=201, schema=ref("CommitStatus"))},
 "/oauth/token/info": {"get": op([], schema=ref("TokenInfo"))},
 # "List project webhook events" / "Resend a project webhook event" (GitLab 17.3+, docs.gitlab.com/api/project_webhooks/)
 V4+"/projects/{id}/hooks/{hook_id}/events": {"get": op([idp,P("hook_id",schema=int_)]+page+[P("status","query",False)], schema=arr(obj(["id","url","trigger","request_headers","request_data","response_headers","response_body","execution_duration","response_status"], id=int_, url=str_, trigger=str_, request_headers={"type":"object"}, request_data=str_, response_headers={"type":"object"}, response_body=str_, execution_duration={"type":"number"}, response_status=str_)))},
 V4+"/projects/{id}/hooks/{hook_id}/events/{hook_event_id}/resend": {"post": op([idp,P("hook_id",schema=int_),P("hook_event_id",schema=int_)], ok=201, schema={"type":"object"}, extra=None)},
 # "Get raw blob" (docs.gitlab.com/api/repositories/#raw-blob-content): the blob's bytes
 V4+"/projects/{id}/repository/blobs/{sha}/raw": {"get": op([idp,P("sha")], extra={"responses":{"200":{"description":"the blob's bytes","content":{"*/*":{"schema":str_}}},"401":{"description":"error","content":{"application/json":{"schema":ref("Error")}}},"403":{"description":"error","content":{"application/json":{"schema":ref("Error")}}},"404":{"description":"error","content":{"application/json":{"schema":ref("Error")}}}}})},
}
# Webhook payloads, from https://docs.gitlab.com/user/project/integrations/webhook_events/
hookuser=obj(["id","name","username","avatar_url"], id=int_, name=str_, username=str_, avatar_url=nstr, email=str_)
hookproject=obj(["id","name","description","web_url","avatar_url","git_ssh_url","git_http_url","namespace","visibility_level","path_with_namespace","default_branch","ci_config_path","homepage","url","ssh_url","http_url"],
  id=int_, name=str_, description=nstr, web_url=str_, avatar_url=nstr, git_ssh_url=str_, git_http_url=str_, namespace=str_, visibility_level=S("integer",enum=[0,10,20]), path_with_namespace=str_, default_branch=nstr, ci_config_path=nstr, homepage=str_, url=str_, ssh_url=str_, http_url=str_)
hookrepo=obj(["name","url","description","homepage"], name=str_, url=str_, description=nstr, homepage=str_, git_http_url=str_, git_ssh_url=str_, visibility_level=S("integer",enum=[0,10,20]))
pushrepo={"allOf":[hookrepo, {"type":"object","required":["git_http_url","git_ssh_url","visibility_level"]}]}
lastcommit=obj(["id","message","title","timestamp","url","author"], id=str_, message=str_, title=str_, timestamp=str_, url=str_, author=obj(["name","email"], name=str_, email=str_))
mrattrs=obj(["id","iid","target_branch","source_branch","source_project_id","author_id","assignee_id","assignee_ids","reviewer_ids","title","created_at","updated_at","updated_by_id","last_edited_at","last_edited_by_id","milestone_id","state_id","state","blocking_discussions_resolved","work_in_progress","draft","first_contribution","merge_status","detailed_merge_status","target_project_id","description","head_pipeline_id","merge_commit_sha","merge_error","merge_params","merge_user_id","merge_when_pipeline_succeeds","time_estimate","total_time_spent","time_change","human_time_estimate","human_total_time_spent","human_time_change","url","source","target","last_commit","labels","action"],
  id=int_, iid=int_, target_branch=str_, source_branch=str_, source_project_id=int_, author_id=int_, assignee_id=nint, assignee_ids=arr(int_), reviewer_ids=arr(int_), title=str_, created_at=str_, updated_at=str_, updated_by_id=nint, last_edited_at=ntime, last_edited_by_id=nint, milestone_id=nint,
  state_id=S("integer",enum=[1,2,3,4]), state=S("string",enum=["opened","closed","locked","merged"]), blocking_discussions_resolved=bool_, work_in_progress=bool_, draft=bool_, first_contribution=bool_, merge_status=str_, detailed_merge_status=str_, target_project_id=int_, description=nstr, head_pipeline_id=nint, merge_commit_sha=nstr, merge_error=nstr, merge_params={"type":"object"}, merge_user_id=nint, merge_when_pipeline_succeeds=bool_,
  time_estimate=int_, total_time_spent=int_, time_change=int_, human_time_estimate=nstr, human_total_time_spent=nstr, human_time_change=nstr, url=str_, source=hookproject, target=hookproject, last_commit=lastcommit, labels=arr({"type":"object"}), action=str_, oldrev=str_)
hooks={
 "Merge Request Hook": obj(["object_kind","event_type","user","project","object_attributes","labels","changes","repository"], object_kind=S("string",enum=["merge_request"]), event_type=S("string",enum=["merge_request"]), user=hookuser, project=hookproject, object_attributes=mrattrs, labels=arr({"type":"object"}), changes={"type":"object"}, repository=hookrepo, assignees=arr(hookuser), reviewers=arr(hookuser)),
 "Push Hook": obj(["object_kind","event_name","before","after","ref","ref_protected","checkout_sha","user_id","user_name","user_username","user_email","user_avatar","project_id","project","commits","total_commits_count","repository"], object_kind=S("string",enum=["push"]), event_name=S("string",enum=["push"]), before=str_, after=str_, ref=str_, ref_protected=bool_, checkout_sha=nstr, message=nstr, user_id=int_, user_name=str_, user_username=str_, user_email=nstr, user_avatar=nstr, project_id=int_, project=hookproject, commits=arr(obj(["id","message","title","timestamp","url","author","added","modified","removed"], id=str_, message=str_, title=str_, timestamp=str_, url=str_, author=obj(["name","email"],name=str_,email=str_), added=arr(str_), modified=arr(str_), removed=arr(str_))), total_commits_count=int_, push_options={"type":"object"}, repository=pushrepo),
 "Tag Push Hook": obj(["object_kind","event_name","before","after","ref","ref_protected","checkout_sha","user_id","user_name","user_username","user_avatar","project_id","project","commits","total_commits_count","repository"], object_kind=S("string",enum=["tag_push"]), event_name=S("string",enum=["tag_push"]), before=str_, after=str_, ref=str_, ref_protected=bool_, checkout_sha=nstr, message=nstr, user_id=int_, user_name=str_, user_username=str_, user_email=nstr, user_avatar=nstr, project_id=int_, project=hookproject, commits=arr({"type":"object"}), total_commits_count=int_, push_options={"type":"object"}, repository=pushrepo),
 "Note Hook": obj(["object_kind","event_type","user","project_id","project","object_attributes","repository"], object_kind=S("string",enum=["note"]), event_type=S("string",enum=["note"]), user=hookuser, project_id=int_, project=hookproject, repository=hookrepo, object_attributes=obj(["id","note","noteable_type","author_id","created_at","updated_at","project_id","system","noteable_id","url","action"], id=int_, note=str_, noteable_type=str_, author_id=int_, created_at=str_, updated_at=str_, project_id=int_, system=bool_, noteable_id=int_, url=str_, action=str_), merge_request={"type":"object"}),
}
for name, sch in hooks.items():
    paths["/x-webhooks/"+name]={"post":{"parameters":[P("X-Gitlab-Event","header",True,S("string",enum=[name])),P("X-Gitlab-Event-UUID","header",True),P("X-Gitlab-Webhook-UUID","header",False),P("X-Gitlab-Instance","header",True)],"requestBody":{"required":True,"content":{"application/json":{"schema":sch}}},"responses":{"200":{"description":"accepted"}}}}
# Operations taken from the published excerpt (trim.json lists them): dropped from the fragment.
PUBLISHED={
 V4+"/personal_access_tokens/self": ["get"],
 V4+"/projects": ["get"],
 V4+"/projects/{id}": ["get"],
 V4+"/projects/{id}/repository/branches": ["get","post"],
 V4+"/projects/{id}/repository/branches/{branch}": ["get","delete"],
 V4+"/projects/{id}/repository/commits": ["post"],
 V4+"/projects/{id}/repository/commits/{sha}": ["get"],
 V4+"/projects/{id}/repository/commits/{sha}/statuses": ["get"],
 V4+"/projects/{id}/statuses/{sha}": ["post"],
 V4+"/projects/{id}/repository/files/{file_path}/raw": ["get"],
 V4+"/projects/{id}/repository/files/{file_path}": ["get"],
 V4+"/projects/{id}/merge_requests": ["get","post"],
 V4+"/projects/{id}/merge_requests/{merge_request_iid}": ["get","put"],
 V4+"/projects/{id}/merge_requests/{merge_request_iid}/diffs": ["get"],
 V4+"/projects/{id}/merge_requests/{merge_request_iid}/merge": ["put"],
 V4+"/projects/{id}/hooks": ["get","post"],
 V4+"/projects/{id}/hooks/{hook_id}": ["get","put","delete"],
 V4+"/projects/{id}/hooks/{hook_id}/events": ["get"],
 V4+"/projects/{id}/hooks/{hook_id}/events/{hook_event_id}/resend": ["post"],
 V4+"/projects/{id}/repository/tree": ["get"],
 V4+"/projects/{id}/repository/blobs/{sha}/raw": ["get"],
}
for p_, ms in PUBLISHED.items():
    for m in ms: del paths[p_][m]
    if not paths[p_]: del paths[p_]
# Keep only the schemas the remaining operations reference (transitively).
def refs(v, out):
    if isinstance(v, dict):
        r_ = v.get("$ref")
        if isinstance(r_, str) and r_.startswith("#/components/schemas/"):
            n = r_.rsplit("/", 1)[1]
            if n not in out:
                out.add(n); refs(schemas[n], out)
        for c in v.values(): refs(c, out)
    elif isinstance(v, list):
        for c in v: refs(c, out)
used=set(); refs(paths, used)
doc={"description":"The hand-written part of the GitLab description (see SOURCE and gitlab.py): the operations and webhook payloads GitLab's published openapi_v2.yaml does not give.","paths":paths,"components":{"schemas":{k: v for k, v in schemas.items() if k in used}}}
json.dump(doc, open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'handwritten.json'), 'w'), indent=1, sort_keys=True)
