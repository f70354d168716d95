package cmd

import (
	"log/slog"
	"os"
)

// logger returns the structured logger commands write to: JSON lines on
// std.Err, at the level ALLYMATCH_LOG_LEVEL names (debug, info, warn,
// error; default info).
func logger(std Stdio) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("ALLYMATCH_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(std.Err, &slog.HandlerOptions{Level: level}))
}
