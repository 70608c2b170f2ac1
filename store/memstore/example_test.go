package memstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/store/memstore"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// mergeParser stands for a host's parser (vcs.NewWebhookParser): every
// delivery is the merge of pull request 7, under the delivery ID the
// request names.
type mergeParser struct{}

func (mergeParser) Verify(http.Header, []byte, string) error { return nil }
func (mergeParser) Parse(h http.Header, _ []byte) (*vcs.Event, error) {
	return vcstest.MergedEvent(vcs.KindGitHub, "acme/db", 7, h.Get("X-Delivery")), nil
}

// The handler records and answers at once; a worker processes. The
// second delivery of the same merge (a redelivery under a new ID) is
// answered 200 and not processed again.
func Example() {
	store := memstore.New()
	handler := &vcs.WebhookHandler{Parser: mergeParser{}, Secret: "s", Store: store}
	for _, id := range []string{"first", "redelivered"} {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader("{}"))
		r.Header.Set("X-Delivery", id)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body)
	}

	ctx, stop := context.WithCancel(context.Background())
	processed := make(chan int, 1)
	worker := &vcs.Worker{Store: store, PollInterval: 10 * time.Millisecond, Handle: func(ctx context.Context, ev *vcs.Event) error {
		processed <- ev.Number // run the migration here
		return nil
	}}
	done := make(chan error)
	go func() { done <- worker.Run(ctx) }()
	fmt.Println("processed pull request", <-processed)
	stop()
	<-done
	// Output:
	// 200 recorded
	// 200 already recorded
	// processed pull request 7
}
