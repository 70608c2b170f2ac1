package apispec

import (
	"github.com/getkin/kin-openapi/openapi3"
)

// Fix-ups found by running the Bitbucket fake's own tests under the checker.
func init() {
	Fixups = append(Fixups,
		Fixup{
			Desc: "bitbucket/",
			Reason: "GET …/src \"redirects the client to the directory listing of the root directory on the main branch\" (its own text; \"equivalent to " +
				"directly hitting …/src/{commit}/{path}\"), but its responses list only 200: 302 with a Location is added",
			Patch: func(doc *openapi3.T) error {
				item := doc.Paths.Value("/repositories/{workspace}/{repo_slug}/src")
				if item == nil || item.Get == nil {
					return errMissing("GET /repositories/{workspace}/{repo_slug}/src")
				}
				if item.Get.Responses.Status(302) == nil {
					item.Get.Responses.Set("302", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("added by fix-up: redirect to …/src/{main branch head}/")})
				}
				return nil
			},
		},
		Fixup{
			Desc: "bitbucket/",
			Reason: "\"Get file or directory contents\" with format=meta answers one commit_file or commit_directory object (its own text: \"format=meta … " +
				"returns the meta data of the file or directory instead of its contents\"), while the 200 lists only paginated_treeentries, which forbids " +
				"their properties: a 200 is a paginated listing or a treeentry",
			Patch: func(doc *openapi3.T) error {
				item := doc.Paths.Value("/repositories/{workspace}/{repo_slug}/src/{commit}/{path}")
				tree := doc.Components.Schemas["treeentry"]
				if item == nil || item.Get == nil || tree == nil {
					return errMissing("GET …/src/{commit}/{path} or components.schemas.treeentry")
				}
				r := item.Get.Responses.Status(200)
				if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
					return errMissing("GET …/src/{commit}/{path} 200 application/json")
				}
				mt := r.Value.Content.Get("application/json")
				mt.Schema = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{mt.Schema, tree}}}
				return nil
			},
		},
		Fixup{
			Desc: "bitbucket/",
			Reason: "Bitbucket's 400 for invalid input names the fields in error.fields, a map of field name to messages " +
				"({\"error\": {\"fields\": {\"key\": [\"Ensure this value has at most 40 characters (it has 47).\"]}, \"message\": \"Bad request\"}}, " +
				"a real answer quoted in ArcBees/teamcity-plugins#44); the description's error forbids it: fields is added",
			Patch: func(doc *openapi3.T) error {
				e := doc.Components.Schemas["error"]
				if e == nil || e.Value == nil || e.Value.Properties["error"] == nil || e.Value.Properties["error"].Value == nil {
					return errMissing("components.schemas.error.error")
				}
				msgs := openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())
				e.Value.Properties["error"].Value.Properties["fields"] = &openapi3.SchemaRef{Value: openapi3.NewObjectSchema().WithAdditionalProperties(msgs)}
				return nil
			},
		},
	)
}
