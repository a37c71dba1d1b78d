// Command re2-oracle answers, for each JSON line {"pattern": P, "inputs": [...]} on stdin, how
// Go's regexp package judges P (Istio validates VirtualService regexes with it) and whether P
// matches each input as a whole, as Envoy's RE2 full match does.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"regexp/syntax"
)

type query struct {
	Pattern string   `json:"pattern"`
	Inputs  []string `json:"inputs"`
}

type answer struct {
	Valid   bool   `json:"valid"`
	Error   string `json:"error,omitempty"`
	Matches []bool `json:"matches"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var q query
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			panic(err)
		}
		a := answer{Matches: []bool{}}
		if _, err := regexp.Compile(q.Pattern); err != nil {
			a.Error = err.Error()
		} else {
			a.Valid = true
			whole := regexp.MustCompile(anchored(q.Pattern))
			for _, s := range q.Inputs {
				a.Matches = append(a.Matches, whole.MatchString(s))
			}
		}
		if err := out.Encode(a); err != nil {
			panic(err)
		}
	}
}

// anchored wraps a pattern in \A…\z on its syntax tree, not its text: a textual wrapper can be
// swallowed by \Q without a closing \E.
func anchored(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	return (&syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{
		{Op: syntax.OpBeginText}, re, {Op: syntax.OpEndText},
	}}).String()
}
