package matcher

import "testing"

func TestValidID(t *testing.T) {
	good := []string{"a", "LH-D01", "lh-school", "A-S01", "x.y_z:1", "0abc"}
	bad := []string{"", "-a", ".a", "龙华", "a b", "a/b", "a?b", string(make([]byte, 129))}
	long := make([]byte, 128)
	for i := range long {
		long[i] = 'a'
	}
	good = append(good, string(long))
	for _, s := range good {
		if !ValidID(s) {
			t.Errorf("ValidID(%q) = false, want true", s)
		}
	}
	for _, s := range bad {
		if ValidID(s) {
			t.Errorf("ValidID(%q) = true, want false", s)
		}
	}
	for s, want := range map[string]bool{"school": true, "ngo_2": true, "School": false, "2x": false, "": false, "a-b": false} {
		if got := validWord(s); got != want {
			t.Errorf("validWord(%q) = %v, want %v", s, got, want)
		}
	}
}
