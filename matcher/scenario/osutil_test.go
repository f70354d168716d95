package scenario

import "os"

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "allymatch-scenario-bench-") }
