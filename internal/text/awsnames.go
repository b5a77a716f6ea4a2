package text

import (
	"errors"
	"strings"
)

const maxSecretIDLen = 2048

// CheckTable accepts a DynamoDB table name or table ARN.
func CheckTable(s string) error {
	if isTableName(s) || isTableARN(s) {
		return nil
	}
	return errors.New("want a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) or table ARN")
}

// CheckSecretID accepts a secret name (letters, digits and /_+=.@-) or ARN
// (which adds ':').
func CheckSecretID(s string) error {
	if s == "" || len(s) > maxSecretIDLen || !AllBytes(s, isSecretIDByte) {
		return errors.New("want a Secrets Manager secret name or ARN (no spaces, at most 2048 characters)")
	}
	return nil
}

func isSecretIDByte(c byte) bool { return IsAlnum(c) || strings.IndexByte("/_+=.@:-", c) >= 0 }

func isTableName(s string) bool {
	return len(s) >= 3 && len(s) <= 255 && AllBytes(s, isTableNameByte)
}

func isTableNameByte(c byte) bool { return IsAlnum(c) || c == '_' || c == '.' || c == '-' }

// isTableARN matches arn:<partition>:dynamodb:<region>:<account>:table/<name>.
func isTableARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "dynamodb" {
		return false
	}
	if parts[3] == "" || !AllBytes(parts[1], isPartitionByte) || !AllBytes(parts[3], isPartitionByte) {
		return false
	}
	if len(parts[4]) != 12 || !IsDigits(parts[4]) {
		return false
	}
	name, ok := strings.CutPrefix(parts[5], "table/")
	return ok && isTableName(name)
}

func isPartitionByte(c byte) bool { return c >= 'a' && c <= 'z' || isDigit(c) || c == '-' }
