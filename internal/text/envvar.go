package text

import (
	"errors"
	"fmt"
	"strings"
)

// EnvVar is one variable to check.
type EnvVar struct {
	Name  string // TICKETS_TABLE
	Value string // as Getenv read it
	// Check reports a malformed value, saying what is accepted without
	// echoing the value: a mistyped variable may hold a secret.
	Check    func(string) error
	Optional bool // an empty value is accepted
}

// Getenv returns the named variable without the white space around it.
func Getenv(getenv func(string) string, name string) string {
	return strings.TrimSpace(getenv(name))
}

// CheckEnv joins one error per variable that is unset (and not Optional)
// or fails its check, each wrapping errConfig and naming the variable: one
// failed deploy names every variable to fix, not just the first.
func CheckEnv(errConfig error, vars ...EnvVar) error {
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
