package azuredevops

import "testing"

// SetMaxFileSize lowers the ReadFile size cap for the rest of the test, so
// that tests need not stream 100 MB.
func SetMaxFileSize(t testing.TB, n int64) {
	old := maxFileSize
	maxFileSize = n
	t.Cleanup(func() { maxFileSize = old })
}

// SetMaxBatchZip lowers the cap on one blobs zip for the rest of the
// test.
func SetMaxBatchZip(t testing.TB, n int64) {
	old := maxBatchZip
	maxBatchZip = n
	t.Cleanup(func() { maxBatchZip = old })
}
