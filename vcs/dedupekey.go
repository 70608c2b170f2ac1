package vcs

// DedupeKey returns the key under which ev is handled once: for a merged
// pull request its merge identity, "merge:" + MergeKey.String() (e.g.
// "merge:github:octo/db#12"), whichever delivery carried it (Azure DevOps
// sends two per completion; an admin's redelivery or a replay may carry a
// new delivery ID); otherwise "delivery:" + provider + ":" + DeliveryID.
// ok is false for an event that has neither (no merge, no delivery ID):
// such an event cannot be told apart from a new one.
//
// Deduplicator keys its memory with it; a durable store shared by several
// replicas should use the same key so that both agree.
func DedupeKey(ev *Event) (key string, ok bool) {
	if ev == nil {
		return "", false
	}
	if mk, ok := ev.MergeKey(); ok {
		return "merge:" + mk.String(), true
	}
	if ev.DeliveryID == "" {
		return "", false
	}
	return "delivery:" + string(ev.Provider) + ":" + ev.DeliveryID, true
}

// ErrInProgress matches the error a Deduplicator-wrapped callback returns
// for a delivery whose key is being handled by another call that has not
// ended, when the caller's context ended before it did. WebhookHandler
// answers it with 503 and Retry-After, so that the host sends it again:
// an answer of 200 would drop the event if the first attempt then failed.
// It matches ErrConflict too.
var ErrInProgress error = &sentinel{"the same event is being handled by another delivery", ErrConflict}
