package httpx

import (
	"bytes"
	"encoding/json"
	"testing"
)

// blobTextCases are JSON string literals BlobText must decode exactly as
// encoding/json decodes them into a string: its own unquoting and its
// fall-back to encoding/json.
var blobTextCases = []string{
	`""`, `"plain"`, `"-- migration\nselect 1;\n"`, `"q\"uote"`, `"back\\slash"`,
	`"\/"`, `"\b\f\r\t"`, `"\u00e9t\u00e9"`, `"\ud83d\ude00"`, `"é and ü"`,
	"\"raw \xff byte\"", `"ends with \\"`, `"a\nb\u0000c"`,
}

func TestBlobTextDecodesAsAString(t *testing.T) {
	for _, lit := range blobTextCases {
		checkBlobText(t, lit)
	}
}

func FuzzBlobText(f *testing.F) {
	for _, lit := range blobTextCases {
		var s string
		if json.Unmarshal([]byte(lit), &s) == nil {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit, err := json.Marshal(s) // never fails for a string: invalid UTF-8 becomes U+FFFD
		if err != nil {
			t.Fatal(err)
		}
		checkBlobText(t, string(lit))
	})
}

func checkBlobText(t *testing.T, lit string) {
	t.Helper()
	var want string
	if err := json.Unmarshal([]byte(lit), &want); err != nil {
		t.Fatalf("%s: %v", lit, err)
	}
	var got struct {
		Text *BlobText `json:"text"`
	}
	if err := json.Unmarshal([]byte(`{"text":`+lit+`}`), &got); err != nil {
		t.Fatalf("%s: %v", lit, err)
	}
	if got.Text == nil || !bytes.Equal(*got.Text, []byte(want)) {
		t.Errorf("%s decoded to %q, want %q", lit, deref(got.Text), want)
	}
}

func deref(b *BlobText) []byte {
	if b == nil {
		return nil
	}
	return *b
}

func TestBlobTextNullIsNil(t *testing.T) {
	var got struct {
		Text *BlobText `json:"text"`
	}
	if err := json.Unmarshal([]byte(`{"text":null}`), &got); err != nil || got.Text != nil {
		t.Fatalf("null decoded to %v, %v; want a nil *BlobText", got.Text, err)
	}
	var direct BlobText
	if err := direct.UnmarshalJSON([]byte("null")); err != nil || direct != nil {
		t.Fatalf("UnmarshalJSON(null) = %q, %v; want it left nil", direct, err)
	}
}
