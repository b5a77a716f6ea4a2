// Package envvar checks the variables a function reads from its
// environment the one way both functions do: values trimmed, every variable
// checked, and every problem reported at once, so that one failed deploy
// names all the variables to fix rather than the first.
package envvar

import (
	"errors"
	"fmt"
	"strings"
)

// Var is one variable to check.
type Var struct {
	// Name is the variable's name (TICKETS_TABLE).
	Name string
	// Value is what was read, trimmed (see Get).
	Value string
	// Check reports a malformed value. Its message says what is accepted;
	// it should not echo the value, which a mistyped variable may hold in
	// place of a secret.
	Check func(string) error
	// Optional accepts an empty value (the variable is not set).
	Optional bool
}

// Get returns the named variable read through getenv, without the white
// space around it.
func Get(getenv func(string) string, name string) string {
	return strings.TrimSpace(getenv(name))
}

// Check returns nil when every variable is set (or Optional) and passes
// its check, else the errors.Join of one error per variable at fault, each
// wrapping errConfig and naming the variable.
func Check(errConfig error, vars ...Var) error {
	var errs []error
	for _, v := range vars {
		switch {
		case v.Value == "" && v.Optional:
		case v.Value == "":
			errs = append(errs, fmt.Errorf("%w: %s is not set", errConfig, v.Name))
		default:
			if err := v.Check(v.Value); err != nil {
				errs = append(errs, fmt.Errorf("%w: %s: %w", errConfig, v.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
