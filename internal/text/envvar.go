package text

import (
	"errors"
	"fmt"
	"strings"
)

// EnvVar is one variable to check.
type EnvVar struct {
	Name  string
	Value string // as Getenv read it
	// Check reports a malformed value, saying what is accepted; it should
	// not echo the value, which a mistyped variable may hold in place of a
	// secret.
	Check    func(string) error
	Optional bool // an empty value is accepted
}

// Getenv returns the named variable read through getenv, without the white
// space around it.
func Getenv(getenv func(string) string, name string) string {
	return strings.TrimSpace(getenv(name))
}

// CheckEnv returns the errors.Join of one error per variable at fault, each
// wrapping errConfig and naming the variable: one failed deploy names every
// variable to fix, not just the first.
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
