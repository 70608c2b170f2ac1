package vcs_test

import (
	"fmt"
	"net/http"

	"github.com/gitprovider/gitprovider/bitbucket"
)

// A Bitbucket push of a branch and a tag together is one delivery: the
// top-level Ref and TargetBranch are empty and Changes lists both refs.
func ExampleEvent_Branches() {
	body := []byte(`{"repository":{"full_name":"acme/db"},"push":{"changes":[
		{"new":{"type":"tag","name":"v1.4.0","target":{"hash":"9f1c"}},"old":null,"created":true},
		{"new":{"type":"branch","name":"main","target":{"hash":"9f1c"}},"old":{"type":"branch","name":"main","target":{"hash":"77ab"}}}]}}`)
	h := http.Header{}
	h.Set(bitbucket.HeaderEventKey, "repo:push")
	ev, err := bitbucket.NewParser().Parse(h, body)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ref %q, target branch %q, %d changes\n", ev.Ref, ev.TargetBranch, len(ev.Changes))
	for _, c := range ev.Changes {
		fmt.Println(c.Ref, c.Before, "->", c.After, "created:", c.Created)
	}
	for _, c := range ev.Branches() {
		name, _ := c.Branch()
		fmt.Println("branch pushed:", name)
	}
	// Output:
	// ref "", target branch "", 2 changes
	// refs/tags/v1.4.0  -> 9f1c created: true
	// refs/heads/main 77ab -> 9f1c created: false
	// branch pushed: main
}
