package api

import (
	"bytes"
	"testing"

	"github.com/allymatch/allymatch/matcher/service"
)

func FuzzParseFulfil(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.Fulfilment, error) { return parseFulfil(r) },
		``, `{}`, `{"quantity":1}`, `{"quantity":-3,"side":"demand"}`, `{"side":"left"}`)
}
