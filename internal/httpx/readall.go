package httpx

import (
	"bytes"
	"io"
)

// ReadAll reads r to its end, reading at most limit bytes (0: no limit;
// the caller tells a read of limit bytes from a longer body by asking for
// one byte more). With the body's size known (sizeHint, a Content-Length;
// -1 when unknown) it reads into one buffer of that size, and it never
// returns a slice with more than a quarter of slack: io.ReadAll keeps 512
// bytes alive for a 30-byte file, which a 3,000-file pull request held in
// memory pays 3,000 times.
func ReadAll(r io.Reader, sizeHint, limit int64) ([]byte, error) {
	if limit > 0 {
		r = io.LimitReader(r, limit)
	}
	var buf bytes.Buffer
	if sizeHint > 0 && (limit <= 0 || sizeHint < limit) {
		buf.Grow(int(sizeHint) + bytes.MinRead) // ReadFrom wants MinRead free before it sees EOF
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if b == nil {
		return []byte{}, nil
	}
	if cap(b)-len(b) > len(b)/4 {
		return bytes.Clone(b), nil
	}
	return b, nil
}
