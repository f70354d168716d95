//go:build race

package store

// raceEnabled is set when the tests run under the race detector, which
// makes each Open several times slower: long tables take a sample.
const raceEnabled = true
