package api

import (
	"bytes"
	"testing"

	"github.com/allymatch/allymatch/matcher/service"
)

func FuzzParseFulfil(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.Fulfilment, error) { return optionalBodyOf[service.Fulfilment](r) },
		``, `{}`, `{"quantity":1}`, `{"quantity":-3,"side":"demand"}`, `{"side":"left"}`)
}

func FuzzParseDeadline(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (deadlineRequest, error) { return parseDeadline(r) },
		`{"answer_by":"2026-12-05T18:00:00+08:00"}`, `{"answer_by":"下周五"}`, `{}`)
}

func FuzzParseEscalate(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (escalateRequest, error) { return optionalBodyOf[escalateRequest](r) },
		``, `{}`, `{"items":[]}`, `{"items":["LH-D10","LH-P01-S2"]}`, `{"items":"LH-D10"}`)
}
