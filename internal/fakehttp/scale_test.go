package fakehttp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

func TestLogKeepsTheNewestRequests(t *testing.T) {
	s := NewServer(http.HandlerFunc(echo), "api.example.test")
	c := s.Client()
	total := MaxLog + 10
	for i := range total {
		resp, err := c.Get(fmt.Sprintf("https://api.example.test/r/%d", i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	log := s.Log()
	if len(log) != MaxLog || s.Requests() != int64(total) {
		t.Fatalf("log has %d lines, requests %d; want %d and %d", len(log), s.Requests(), MaxLog, total)
	}
	if log[0] != "GET /r/10" || log[len(log)-1] != fmt.Sprintf("GET /r/%d", total-1) {
		t.Fatalf("log runs from %q to %q, want the newest %d oldest first", log[0], log[len(log)-1], MaxLog)
	}
}

func TestLazyRendersWhenEncoded(t *testing.T) {
	rendered := 0
	items := make([]Lazy, 100)
	for i := range items {
		items[i] = func() any { rendered++; return map[string]int{"n": i} }
	}
	b, err := json.Marshal(items[10:12])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `[{"n":10},{"n":11}]` || rendered != 2 {
		t.Fatalf("encoded %s rendering %d items, want two", b, rendered)
	}
}
