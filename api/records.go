package api

import (
	"context"
	"io"
	"iter"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// The bodies of the record routes are the domain's types and the
// service's patches, decoded strictly (decodeJSON) and checked by the
// service alone: the domain's Validate and the service's rules are the only
// ones, so an answer names the same field and says the same words whether
// a request comes through the API, the desk or an import.

// parseImport reads a bundle (strictly, as bundle.DecodeJSON does).
func parseImport(r io.Reader) (*bundle.Bundle, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err // *http.MaxBytesError: 413
	}
	return bundle.DecodeJSON("body", data)
}

func itoa(i int) string { return strconv.Itoa(i) }

// --- handlers ---

func notFound(what matcher.Noun, id string) error {
	return matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", what, id)
}

func (s *Server) listAlliances(c echo.Context) error {
	return answerList(c, s.service().Alliances, idOfAlliance)
}

func (s *Server) getAlliance(c echo.Context) error {
	return answerRead(c, s.service().Alliance)
}

func (s *Server) createAlliance(c echo.Context) error {
	return answerCreate(c, s.service().CreateAlliance)
}

// patchAlliance changes an alliance's name, lead and members.
func (s *Server) patchAlliance(c echo.Context) error {
	return answerAt(c, http.StatusOK, s.service().PatchAlliance)
}

// listUnits lists the units the caller may read (service.Units).
func (s *Server) listUnits(c echo.Context) error {
	return answerList(c, s.service().Units, idOfUnit)
}

func (s *Server) getUnit(c echo.Context) error {
	return answerRead(c, s.service().Unit)
}

func (s *Server) createUnit(c echo.Context) error {
	return answerCreate(c, s.service().CreateUnit)
}

func (s *Server) patchUnit(c echo.Context) error {
	return answerAt(c, http.StatusOK, s.service().PatchUnit)
}

func (s *Server) deleteUnit(c echo.Context) error { return answerDelete(c, s.service().DeleteUnit) }

// listItems lists a unit's items the caller may see.
func (s *Server) listItems(c echo.Context) error {
	return answerList(c, func(a matcher.Actor) (iter.Seq[*matcher.Item], error) { return s.service().ItemsOf(a, c.Param("id")) }, idOfItem)
}

func (s *Server) getItem(c echo.Context) error {
	return answerRead(c, s.service().Item)
}

func (s *Server) createItem(c echo.Context) error {
	return answerAt(c, http.StatusCreated, s.service().CreateItem)
}

func (s *Server) patchItem(c echo.Context) error {
	return answerAt(c, http.StatusOK, s.service().PatchItem)
}

func (s *Server) deleteItem(c echo.Context) error { return answerDelete(c, s.service().DeleteItem) }

func (s *Server) listProjects(c echo.Context) error {
	return answerList(c, func(a matcher.Actor) (iter.Seq[*matcher.Project], error) {
		return s.service().ProjectsOf(a, c.Param("id"))
	}, idOfProject)
}

func (s *Server) getProject(c echo.Context) error {
	return answerRead(c, s.service().Project)
}

func (s *Server) createProject(c echo.Context) error {
	return answerAt(c, http.StatusCreated, s.service().CreateProject)
}

func (s *Server) patchProject(c echo.Context) error {
	return answerAt(c, http.StatusOK, s.service().PatchProject)
}

func (s *Server) deleteProject(c echo.Context) error {
	return answerDelete(c, s.service().DeleteProject)
}

// importResponse answers POST /v1/import.
type importResponse struct {
	Seq     uint64 `json:"seq"`
	Records int    `json:"records"`
}

// importBundle handles POST /v1/import (admins only): all or nothing,
// every problem listed.
func (s *Server) importBundle(c echo.Context) error {
	if !actorOf(c).Privileged() {
		return errAdminsOnly
	}
	b, err := parseBody(c, maxImportBody, parseImport)
	if err != nil {
		return err
	}
	ev, err := s.service().Import(c.Request().Context(), actorOf(c), b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, importResponse{Seq: ev.Seq, Records: ev.Count})
}

// answerList answers a list GET: the page (?limit=, ?cursor=) of what list
// yields to the caller, in id order.
func answerList[T any](c echo.Context, list func(matcher.Actor) (iter.Seq[T], error), id func(T) string) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	seq, err := list(actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, paginate(p, seq, id, nil))
}

func idOfAlliance(a *matcher.Alliance) string { return a.ID }
func idOfUnit(u *matcher.Unit) string         { return u.ID }
func idOfItem(it *matcher.Item) string        { return it.ID }
func idOfProject(p *matcher.Project) string   { return p.ID }

// answerDelete answers a DELETE of the path's record: 204 when del
// removed it.
func answerDelete(c echo.Context, del func(context.Context, matcher.Actor, string) error) error {
	if err := del(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// answerRead answers GET of one record: read by the path's id as the
// caller may see it, or not found.
func answerRead[T any](c echo.Context, read func(matcher.Actor, string) (T, error)) error {
	v, err := read(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// answerCreate decodes a T from the body and answers 201 with what create
// makes of it.
func answerCreate[T, R any](c echo.Context, create func(context.Context, matcher.Actor, T) (R, error)) error {
	return answerBody(c, bodyOf[T], http.StatusCreated, func(ctx context.Context, actor matcher.Actor, v T) (any, error) {
		return create(ctx, actor, v)
	})
}

// answerAt decodes a T from the body and answers status with what call
// makes of it at the path's id (a patch of the record, or a record made
// under it).
func answerAt[T, R any](c echo.Context, status int, call func(context.Context, matcher.Actor, string, T) (R, error)) error {
	return answerBody(c, bodyOf[T], status, func(ctx context.Context, actor matcher.Actor, v T) (any, error) {
		return call(ctx, actor, c.Param("id"), v)
	})
}

// answerBody parses the request body with parse, passes it with the caller
// to call, and answers status with call's result (or its error).
func answerBody[T any](c echo.Context, parse func(io.Reader) (T, error), status int, call func(context.Context, matcher.Actor, T) (any, error)) error {
	v, err := parseBody(c, maxBody, parse)
	if err != nil {
		return err
	}
	out, err := call(c.Request().Context(), actorOf(c), v)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}
