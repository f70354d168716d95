package service

import "slices"

// A patch changes only the fields it gives (a nil pointer leaves its
// field as it is); these set one field, never sharing memory with the
// patch.

// set sets *dst to *v when the patch gives v.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// setSlice sets *dst to a copy of *v when the patch gives v.
func setSlice[T any](dst *[]T, v *[]T) {
	if v != nil {
		*dst = slices.Clone(*v)
	}
}

// setPointer sets *dst to a copy of *v when the patch gives v.
func setPointer[T any](dst **T, v *T) {
	if v != nil {
		c := *v
		*dst = &c
	}
}
