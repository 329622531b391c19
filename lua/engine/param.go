package engine

import "strings"

// Param is one declared parameter of a Func. Type is a LuaLS type
// expression ("string", "integer", "boolean", "function", "any",
// "string|false", "string[]", or an object Type's name); a parameter
// taking a table of options declares its keys in Fields, and then the
// word "table" in Type ("table", "string|table", "table|table[]") stands
// for that table's shape. Name "..." is a variadic parameter.
type Param struct {
	Name     string
	Type     string // default "any", or "table" when Fields are given
	Optional bool
	Fields   []Field
	Doc      string // a short note: units, defaults ("ms, default 1000")
}

// Result is one declared result of a Func: the same declaration as a
// parameter (Name is optional); Optional means it may be nil, and the
// Fields of a returned record are the keys it has.
type Result = Param

// Field is one key of a table parameter or of a returned record. In a
// parameter's options table a key may be left out unless Required; in a
// returned record every key is there unless it may be nil (Required is
// not used there).
type Field struct {
	Name     string
	Type     string // LuaLS type expression, as Param.Type
	Required bool
}

// Opt is an options-table key that may be left out.
func Opt(name, typ string) Field { return Field{Name: name, Type: typ} }

// Key is an options-table key that must be given, or a returned record's key.
func Key(name, typ string) Field { return Field{Name: name, Type: typ, Required: true} }

// Options is the usual last parameter: an optional table named opts.
func Options(fields ...Field) Param {
	return Param{Name: "opts", Type: "table", Optional: true, Fields: fields}
}

// Rows is the usual result of a list function: a list of records.
func Rows(fields ...Field) Result { return Result{Type: "table[]", Fields: fields} }

// Record is a single record result.
func Record(fields ...Field) Result { return Result{Type: "table", Fields: fields} }

// LuaType renders p's type as a LuaLS type expression, its table's
// shape spelled out: {stp?: boolean, forward_delay?: integer}. classes
// maps object type names to their LuaLS class names (nil: unchanged).
func (p Param) LuaType(classes map[string]string, inParam bool) string {
	typ := p.Type
	if typ == "" {
		typ = "any"
		if len(p.Fields) > 0 {
			typ = "table"
		}
	}
	var parts []string
	for _, alt := range strings.Split(typ, "|") {
		base, list := strings.CutSuffix(alt, "[]")
		switch {
		case base == "table" && len(p.Fields) > 0:
			base = shape(p.Fields, inParam)
		case classes[base] != "":
			base = classes[base]
		}
		if list {
			base += "[]"
		}
		parts = append(parts, base)
	}
	return strings.Join(parts, "|")
}

// shape is a table's LuaLS literal type. Keys of options tables may be
// left out (key?), unless required.
func shape(fs []Field, inParam bool) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		if inParam && !f.Required {
			b.WriteByte('?')
		}
		b.WriteString(": ")
		b.WriteString(f.Type)
	}
	b.WriteByte('}')
	return b.String()
}

// Signature is the typed parameter list of f, as `rewire doc` and :help
// show it: `name: string, opts?: {stp?: boolean}`.
func (f Func) Signature() string {
	var parts []string
	for _, p := range f.Params {
		if p.Name == "..." {
			parts = append(parts, "...")
			continue
		}
		opt := ""
		if p.Optional {
			opt = "?"
		}
		parts = append(parts, p.Name+opt+": "+p.LuaType(nil, true))
	}
	return strings.Join(parts, ", ")
}

// ResultType is f's results as `rewire doc` shows them ("" for none):
// `boolean, string?`.
func (f Func) ResultType() string {
	var parts []string
	for _, r := range f.Returns {
		t := r.LuaType(nil, false)
		if r.Optional {
			t += "?"
		}
		if r.Name != "" {
			t += " " + r.Name
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, ", ")
}

// Args is the short parameter list the README's table shows:
// `name, [{stp=, forward_delay=}]`; a parameter that is a table or
// something else reads `nic or {mac=, alias=}`.
func (f Func) Args() string {
	var parts []string
	for _, p := range f.Params {
		a := p.Name
		if len(p.Fields) > 0 {
			var keys []string
			for _, k := range p.Fields {
				keys = append(keys, k.Name+"=")
			}
			a = "{" + strings.Join(keys, ", ") + "}"
			if strings.Trim(strings.ReplaceAll(strings.ReplaceAll(p.Type, "table[]", ""), "table", ""), "|") != "" {
				a = p.Name + " or " + a
			}
		}
		if p.Optional {
			a = "[" + a + "]"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, ", ")
}
