package apispec

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// A Fixup corrects a host's description where it is wrong, or waives a
// class of violations the description cannot express. Every one says why.
type Fixup struct {
	// Desc is the description file (or "<host>/" for all of a host's, or
	// "" for every description) the fix-up applies to.
	Desc string
	// Op limits Ignore to one operation ("METHOD /template"); "" for all.
	Op     string
	Reason string
	// Patch corrects the loaded description.
	Patch func(doc *openapi3.T) error
	// Ignore waives a violation: kind is "route", "request", "status",
	// "response" or "delivery"; status is the answer's status (0 for a
	// delivery); err the violation's text.
	Ignore func(kind string, status int, err string) bool
}

func (f Fixup) appliesTo(desc string) bool {
	return f.Desc == "" || desc == f.Desc || (strings.HasSuffix(f.Desc, "/") && strings.HasPrefix(desc, f.Desc))
}

// Fixups are every correction of the hosts' descriptions, in one place.
var Fixups = []Fixup{
	{
		Reason: "tests inject failures the descriptions do not list (429 and 5xx from FailNext/FailRequest, the retry and rate-limit scenarios): a real host answers them for any operation",
		Ignore: func(kind string, status int, _ string) bool {
			return kind == "status" && (status == 429 || status >= 500)
		},
	},
}

func init() {
	Fixups = append(Fixups,
		Fixup{
			Desc: "github/",
			Reason: "GitHub answers 401 (bad credentials) to any operation and 403/404 to any operation the token lacks a permission for (docs.github.com: \"Troubleshooting the REST API\"; fine-grained tokens get 403 or 404); " +
				"the description lists them only on some operations: the missing ones are added with the basic-error body GitHub sends",
			Patch: func(doc *openapi3.T) error {
				basic := doc.Components.Schemas["basic-error"]
				if basic == nil {
					return errMissing("components.schemas.basic-error")
				}
				for _, item := range doc.Paths.Map() {
					for _, op := range item.Operations() {
						for _, st := range []int{401, 403, 404} {
							if op.Responses.Status(st) == nil {
								op.Responses.Set(fmt.Sprint(st), &openapi3.ResponseRef{Value: openapi3.NewResponse().
									WithDescription("added by fix-up").WithJSONSchemaRef(basic)})
							}
						}
					}
				}
				return nil
			},
		},
		Fixup{
			Desc: "github/",
			Reason: "GET /repos/{owner}/{repo}/contents/{path} with Accept: application/vnd.github.raw+json answers the file's bytes (docs.github.com, \"Get repository content\": custom media types); " +
				"the description lists only the JSON media types for 200. The raw answer's Content-Type is added (as a string body)",
			Patch: func(doc *openapi3.T) error {
				item := doc.Paths.Value("/repos/{owner}/{repo}/contents/{path}")
				if item == nil || item.Get == nil {
					return errMissing("GET /repos/{owner}/{repo}/contents/{path}")
				}
				r := item.Get.Responses.Status(200)
				if r == nil || r.Value == nil {
					return errMissing("200 of GET contents")
				}
				for _, ct := range []string{"application/vnd.github.raw", "application/vnd.github.raw+json", "text/plain"} {
					r.Value.Content[ct] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema())
				}
				return nil
			},
		},
	)
}

func errMissing(what string) error {
	return fmt.Errorf("the description has no %s any more: review this fix-up", what)
}

func init() {
	Fixups = append(Fixups,
		Fixup{
			Desc: "bitbucket/",
			Reason: "Bitbucket's request bodies reuse the response schemas, whose base type \"object\" requires \"type\"; the host's own examples send none " +
				"(\"Create a comment on a pull request\": {\"content\": {\"raw\": \"…\"}}), so a request body without \"type\" is accepted",
			Ignore: func(kind string, _ int, err string) bool {
				return kind == "request" && strings.Contains(err, `property "type" is missing at /type`)
			},
		},
	)
}
