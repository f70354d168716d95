package bundle

// DecodeJSONSlow is DecodeJSON without its fast path (decodeWellFormed),
// for the tests that compare the two.
func DecodeJSONSlow(name string, data []byte) (*Bundle, error) {
	return decodeJSON(name, data, false)
}
