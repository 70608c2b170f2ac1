package httpx

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadAllKeepsNoSlack(t *testing.T) {
	for _, tc := range []struct {
		body        string
		hint, limit int64
	}{
		{"", -1, 0},
		{"short file\n", -1, 0},
		{"short file\n", 11, 0},
		{strings.Repeat("x", 10000), -1, 0},
		{strings.Repeat("x", 10000), 10000, 20000},
		{strings.Repeat("x", 10000), 3, 0}, // a wrong hint is only a hint
	} {
		got, err := ReadAll(strings.NewReader(tc.body), tc.hint, tc.limit)
		if err != nil || string(got) != tc.body || got == nil {
			t.Fatalf("ReadAll(%d bytes, %d, %d) = %d bytes, %v", len(tc.body), tc.hint, tc.limit, len(got), err)
		}
		// The allocator rounds small sizes up to its size classes (11
		// bytes take 16).
		if slack := cap(got) - len(got); slack > len(got)/4+8 {
			t.Errorf("%d bytes read keep %d bytes of slack", len(got), slack)
		}
	}
	got, err := ReadAll(bytes.NewReader(make([]byte, 100)), 100, 51)
	if err != nil || len(got) != 51 {
		t.Errorf("limited read = %d bytes, %v; want 51", len(got), err)
	}
}
