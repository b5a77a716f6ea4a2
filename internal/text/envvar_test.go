package text_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

var (
	errConfig = errors.New("test: configuration")
	errDigits = errors.New("want digits")
)

func digits(s string) error {
	if strings.Trim(s, "0123456789") != "" {
		return errDigits
	}
	return nil
}

func TestGetTrims(t *testing.T) {
	getenv := func(string) string { return " \tvalue\n" }
	if got := text.Getenv(getenv, "X"); got != "value" {
		t.Errorf("Get = %q, want %q", got, "value")
	}
}

// From a valid baseline, each variable broken alone is named alone.
func TestCheck(t *testing.T) {
	valid := func() []text.EnvVar {
		return []text.EnvVar{{Name: "A", Value: "1", Check: digits}, {Name: "B", Value: "2", Check: digits}}
	}
	if err := text.CheckEnv(errConfig, valid()...); err != nil {
		t.Fatalf("valid: %v", err)
	}
	for _, tc := range []struct {
		name, value, want string
		wrapped           error
	}{
		{"A", "", "A is not set", nil},
		{"A", "x", "A: want digits", errDigits},
		{"B", "", "B is not set", nil},
		{"B", "y", "B: want digits", errDigits},
	} {
		vars := valid()
		for i := range vars {
			if vars[i].Name == tc.name {
				vars[i].Value = tc.value
			}
		}
		err := text.CheckEnv(errConfig, vars...)
		if !errors.Is(err, errConfig) || err.Error() != "test: configuration: "+tc.want {
			t.Errorf("%s=%q: err = %v, want ErrConfig saying only %q", tc.name, tc.value, err, tc.want)
		}
		if tc.wrapped != nil && !errors.Is(err, tc.wrapped) {
			t.Errorf("%s=%q: err = %v does not wrap %v", tc.name, tc.value, err, tc.wrapped)
		}
	}
}

func TestCheckOptional(t *testing.T) {
	if err := text.CheckEnv(errConfig, text.EnvVar{Name: "A", Check: digits, Optional: true}); err != nil {
		t.Errorf("an optional variable unset: %v", err)
	}
	err := text.CheckEnv(errConfig, text.EnvVar{Name: "A", Value: "x", Check: digits, Optional: true})
	if !errors.Is(err, errDigits) || !strings.Contains(err.Error(), "A: want digits") {
		t.Errorf("an optional variable set wrong: %v, want it checked", err)
	}
}

func TestCheckReportsEveryVariable(t *testing.T) {
	err := text.CheckEnv(errConfig, text.EnvVar{Name: "A", Check: digits}, text.EnvVar{Name: "B", Value: "x", Check: digits})
	want := "test: configuration: A is not set\ntest: configuration: B: want digits"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want both variables:\n%s", err, want)
	}
}
