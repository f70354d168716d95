package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// fuzzDecoder checks one request decoder, with the domain's checks the
// service runs first where the body is a domain record: it never panics;
// it accepts a body or refuses it with an invalid error naming a field;
// what it accepts encodes and decodes again to an accepted value.
func fuzzDecoder[T any](f *testing.F, parse func(*bytes.Reader) (T, error), seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parse(bytes.NewReader(data))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return
			}
			if code := matcher.ErrorCode(err); code != matcher.EINVALID {
				t.Fatalf("error %v has code %q, want invalid", err, code)
			}
			var me *matcher.Error
			if !errors.As(err, &me) || me.Message == "" {
				t.Fatalf("error %v has no message", err)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
		if _, err := parse(bytes.NewReader(again)); err != nil {
			t.Fatalf("accepted %q but not its encoding %s: %v", data, again, err)
		}
	})
}

// validated decodes a domain record and checks it as the service does
// first: the defaults and the path's unit set (prepare), then Validate.
func validated[T any, P interface {
	*T
	Validate() error
}](r *bytes.Reader, prepare func(P)) (T, error) {
	v, err := bodyOf[T](r)
	if err != nil {
		return v, err
	}
	if prepare != nil {
		prepare(&v)
	}
	return v, P(&v).Validate()
}

func FuzzParseToken(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.TokenRequest, error) {
		var req service.TokenRequest
		return req, decodeJSON(r, &req, false)
	}, `{"role":"unit","unit":"lh-school"}`, `{"role":"coordinator","alliance":"lh"}`, `{"role":1}`)
}

func FuzzParsePropose(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (any, error) { return parsePropose(r) },
		``, `{"mode":"stable"}`, `{"weights":{"text":40,"history":0}}`, `{"mode":"coverage","weights":{"proximity":101}}`)
}

func FuzzParseAnswer(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (answerRequest, error) { return optionalBodyOf[answerRequest](r) },
		``, `{}`, `{"reason":"不合适"}`, `{"side":"demand","reason":"x"}`)
}

func FuzzParseHandClaim(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.HandClaim, error) { return bodyOf[service.HandClaim](r) },
		`{"resource":"LH-R12","demand":"LH-D01","quantity":1}`, `{"resource":"a","demand":"b","quantity":-1,"side":"x"}`)
}

func FuzzParseAlliance(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (matcher.Alliance, error) { return validated[matcher.Alliance](r, nil) },
		`{"id":"lh2","name":"新社区","level":"community","lead":"u1","parent":"st"}`, `{"id":"x","level":"region"}`)
}

func FuzzParseUnit(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (matcher.Unit, error) { return validated[matcher.Unit](r, nil) },
		`{"id":"u1","name":"单位","kind":"shop","grid":"g1","alliances":["lh"]}`, `{"id":"u1","name":"n","kind":"shop","location":{"lat":91,"lon":0}}`)
}

func FuzzParseUnitPatch(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.UnitPatch, error) { return bodyOf[service.UnitPatch](r) },
		`{"name":"新名"}`, `{"location":{"lat":29.3,"lon":106.5},"alliances":["lh"]}`)
}

func FuzzParseItem(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (matcher.Item, error) {
		return validated(r, func(it *matcher.Item) { it.Unit = "lh-school"; it.SetDefaults() })
	},
		`{"id":"A1","kind":"demand","category":"tutoring","title":"t","quantity":1}`,
		`{"id":"A1","kind":"resource","category":"场地","title":"t","quantity":3,"windows":[{"from":"2026-12-01T18:00:00+08:00","to":"2027-01-20T21:00:00+08:00"}],"radius_km":2}`)
}

func FuzzParseItemPatch(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.ItemPatch, error) { return bodyOf[service.ItemPatch](r) },
		`{"quantity":7}`, `{"status":"closed","tags":["护学"]}`, `{"priority":9}`,
		`{"quantity":-5,"quantity":3}`, "{\"title\":\"\xff\"}", `{"title":"护学\u202e"}`, `{"windows":[{"from":"0000-01-01T00:00:00Z"}]}`)
}

func FuzzParseProject(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (matcher.Project, error) {
		return validated(r, func(pr *matcher.Project) { pr.Unit = "lh-committee"; pr.SetDefaults() })
	},
		`{"id":"P1","name":"四点半课堂"}`, `{"id":"P1","name":"x","status":"running"}`)
}

func FuzzParseProjectPatch(f *testing.F) {
	fuzzDecoder(f, func(r *bytes.Reader) (service.ProjectPatch, error) { return bodyOf[service.ProjectPatch](r) },
		`{"status":"done"}`, `{"name":""}`)
}

func FuzzParseImport(f *testing.F) {
	f.Add([]byte(`{"format":"allymatch.bundle/v1","units":[{"id":"u","name":"n","kind":"shop","grid":"g"}]}`))
	f.Add([]byte(`{"format":"v0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseImport(bytes.NewReader(data)) // must not panic; bundle has its own fuzzing
	})
}
