package fakegit

import "strings"

// LineChanges counts the lines a change adds and removes, for the fakes'
// diff statistics (GitHub's additions and deletions, Bitbucket's
// lines_added and lines_removed): lines of the new content not matched by
// an equal line of the old, and the reverse. It ignores order, so a moved
// line counts as neither where a diff would count it twice; the library
// never reads these figures, and the fakes' changes are small.
func LineChanges(old, new []byte) (additions, deletions int) {
	seen := map[string]int{}
	for _, l := range splitLines(old) {
		seen[l]++
	}
	for _, l := range splitLines(new) {
		if seen[l] > 0 {
			seen[l]--
			continue
		}
		additions++
	}
	for _, n := range seen {
		deletions += n
	}
	return additions, deletions
}

// splitLines splits b into lines; a last line without a newline counts.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
