// Renders Flagger-style query templates with Go's text/template, as Flagger does: functions that
// return the model's strings, `variables` returning a map, missingkey=error, and no data.
// Reads one JSON request per line on stdin and answers one JSON line per request.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"text/template"
)

type request struct {
	Template  string            `json:"template"`
	Values    map[string]string `json:"values"`
	Variables map[string]string `json:"variables"`
}

type answer struct {
	OK     bool   `json:"ok"`
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

func render(req request) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{r}
		}
	}()
	funcs := template.FuncMap{}
	for name, value := range req.Values {
		v := value
		funcs[name] = func() string { return v }
	}
	variables := req.Variables
	funcs["variables"] = func() map[string]string { return variables }
	t, err := template.New("tmpl").Option("missingkey=error").Funcs(funcs).Parse(req.Template)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, nil); err != nil {
		return "", err
	}
	return buf.String(), nil
}

type panicError struct{ value interface{} }

func (p *panicError) Error() string { return "panic" }

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			os.Exit(2)
		}
		rendered, err := render(req)
		a := answer{OK: err == nil, Output: rendered}
		if err != nil {
			a.Error = err.Error()
		}
		if err := out.Encode(a); err != nil {
			os.Exit(3)
		}
	}
}
