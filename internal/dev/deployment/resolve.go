package deployment

import (
	"fmt"
	"strconv"
)

// Names gives the local stand-in of the stack's resources: for a logical id
// (a Ref) or "LogicalId.Attribute" (a GetAtt), the name or value the local
// system uses, and false for one it has none for.
type Names func(ref string) (string, bool)

// Resolve evaluates one property value of the translated template to the
// string a deployed function would see: literals as CloudFormation renders
// them, Ref of a parameter as overrides or the default, Ref and GetAtt of a
// resource through names, Fn::If through the template's conditions. Any
// other intrinsic is ErrUnsupported.
func (d *Deployment) Resolve(v any, names Names, overrides map[string]string) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case map[string]any:
		ref, isRef := v["Ref"].(string)
		getAtt, _ := v["Fn::GetAtt"].([]any)
		switch {
		case len(v) != 1:
		case isRef:
			return d.ref(ref, names, overrides)
		case len(getAtt) == 2:
			return d.ref(fmt.Sprintf("%v.%v", getAtt[0], getAtt[1]), names, overrides)
		case v["Fn::If"] != nil:
			branch, err := d.ifBranch(v["Fn::If"])
			if err != nil {
				return "", err
			}
			return d.Resolve(branch, names, overrides)
		}
	}
	return "", fmt.Errorf("%w: %v (%T)", ErrUnsupported, v, v)
}

// ifBranch is the branch of Fn::If's arguments that its condition picks.
func (d *Deployment) ifBranch(arg any) (any, error) {
	parts, _ := arg.([]any)
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: Fn::If of %v", ErrUnsupported, arg)
	}
	cond, _ := parts[0].(string)
	holds, known := d.conditions[cond]
	if !known {
		return nil, fmt.Errorf("deployment: Fn::If names unknown condition %s", cond)
	}
	if holds {
		return parts[1], nil
	}
	return parts[2], nil
}

// ref resolves the name of a Ref, or "LogicalId.Attribute" of a GetAtt.
func (d *Deployment) ref(ref string, names Names, overrides map[string]string) (string, error) {
	if v, ok := overrides[ref]; ok {
		return v, nil
	}
	if v, ok := d.Parameters[ref]; ok {
		return v, nil
	}
	if local, ok := names(ref); ok {
		return local, nil
	}
	return "", fmt.Errorf("deployment: no local value for %s", ref)
}
