package fakehttp

import "testing"

func TestHostPageCap(t *testing.T) {
	var h Host
	if got := h.PageCap(100); got != 100 {
		t.Errorf("no cap set: %d", got)
	}
	h.SetPageSize(10)
	if h.PageCap(100) != 10 || h.PageCap(5) != 5 {
		t.Errorf("cap 10: %d, %d", h.PageCap(100), h.PageCap(5))
	}
	h.SetPageSize(0)
	if h.PageCap(100) != 100 {
		t.Error("SetPageSize(0) must restore the host's cap")
	}
}
