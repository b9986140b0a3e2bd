// The Coraza + OWASP CRS v4 benchmark peer: scores a labelled corpus of HTTP requests (JSON lines
// written by bench/anomaly/export.ts) with Coraza (github.com/corazawaf/coraza/v3) running the
// Core Rule Set embedded by github.com/corazawaf/coraza-coreruleset/v4, at the paranoia levels
// asked for, and prints one JSON line per request and level:
//
//	{"id":"…","pl":1,"score":10,"block":true,"us":812.4,"rules":[942100,949110]}
//
// score is CRS's tx.blocking_inbound_anomaly_score after phase 2 (the request phases; responses are
// not scored), block is whether CRS's blocking evaluation (949110/949111) fired at the default
// inbound threshold (5), us the wall time of the whole transaction in this process (new
// transaction, connection, URI, headers, body, phase 1 and 2, logging, close). Each level runs the
// corpus once to warm up and once measured. Usage:
//
//	coraza --corpus FILE [--pl 1,2] [--threshold 5]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

type request struct {
	ID      string      `json:"id"`
	Method  string      `json:"method"`
	URI     string      `json:"uri"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

type result struct {
	ID    string  `json:"id"`
	PL    int     `json:"pl"`
	Score int     `json:"score"`
	Block bool    `json:"block"`
	Us    float64 `json:"us"`
	Rules []int   `json:"rules"`
}

func newWAF(pl, threshold int) (coraza.WAF, error) {
	// The recommended Coraza configuration (request body access, the JSON body processor for
	// application/json) and CRS's example setup, then CRS's own way to set the paranoia level and
	// threshold (rule 900000/900110 of crs-setup.conf.example), then the rules. DetectionOnly so
	// that every request runs all of phases 1 and 2 and the score is complete.
	directives := fmt.Sprintf(`Include @coraza.conf-recommended
SecRuleEngine DetectionOnly
SecRequestBodyLimitAction ProcessPartial
Include @crs-setup.conf.example
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=%d"
SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=%d,setvar:tx.outbound_anomaly_score_threshold=4"
Include @owasp_crs/*.conf
`, pl, threshold)
	return coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(directives))
}

func score(waf coraza.WAF, r *request) (int, bool, []int) {
	tx := waf.NewTransaction()
	defer tx.Close()
	tx.ProcessConnection("10.0.0.7", 40000, "10.0.0.2", 8080)
	tx.ProcessURI(r.URI, r.Method, "HTTP/1.1")
	for _, h := range r.Headers {
		tx.AddRequestHeader(h[0], h[1])
	}
	tx.ProcessRequestHeaders()
	if r.Body != "" {
		if _, _, err := tx.WriteRequestBody([]byte(r.Body)); err != nil {
			fmt.Fprintf(os.Stderr, "coraza: %s: body: %v\n", r.ID, err)
		}
	}
	if _, err := tx.ProcessRequestBody(); err != nil {
		fmt.Fprintf(os.Stderr, "coraza: %s: %v\n", r.ID, err)
	}
	s := 0
	if st, ok := tx.(plugintypes.TransactionState); ok {
		if v := st.Variables().TX().Get("blocking_inbound_anomaly_score"); len(v) > 0 {
			s, _ = strconv.Atoi(v[0])
		}
	}
	block := false
	var rules []int
	for _, m := range tx.MatchedRules() {
		id := m.Rule().ID()
		if id == 949110 || id == 949111 {
			block = true
		}
		if m.Message() != "" {
			rules = append(rules, id)
		}
	}
	sort.Ints(rules)
	tx.ProcessLogging()
	return s, block, rules
}

func main() {
	corpus := flag.String("corpus", "", "JSON lines of requests: {id, method, uri, headers: [[name, value]…], body}")
	levels := flag.String("pl", "1,2", "paranoia levels, comma-separated")
	threshold := flag.Int("threshold", 5, "inbound anomaly score threshold (CRS default 5)")
	flag.Parse()
	if *corpus == "" {
		fmt.Fprintln(os.Stderr, "usage: coraza --corpus FILE [--pl 1,2] [--threshold 5]")
		os.Exit(2)
	}
	f, err := os.Open(*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "coraza:", err)
		os.Exit(1)
	}
	var reqs []request
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r request
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Fprintf(os.Stderr, "coraza: %s:%d: %v\n", *corpus, line, err)
			os.Exit(1)
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "coraza:", err)
		os.Exit(1)
	}
	f.Close()

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, p := range strings.Split(*levels, ",") {
		pl, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || pl < 1 || pl > 4 {
			fmt.Fprintf(os.Stderr, "coraza: bad paranoia level %q\n", p)
			os.Exit(2)
		}
		started := time.Now()
		waf, err := newWAF(pl, *threshold)
		if err != nil {
			fmt.Fprintln(os.Stderr, "coraza: loading CRS:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "coraza: PL%d: CRS loaded in %v; %d requests\n", pl, time.Since(started).Round(time.Millisecond), len(reqs))
		for i := range reqs { // warm-up pass
			score(waf, &reqs[i])
		}
		for i := range reqs {
			t := time.Now()
			s, block, rules := score(waf, &reqs[i])
			us := float64(time.Since(t).Nanoseconds()) / 1000
			if err := enc.Encode(result{ID: reqs[i].ID, PL: pl, Score: s, Block: block, Us: us, Rules: rules}); err != nil {
				fmt.Fprintln(os.Stderr, "coraza:", err)
				os.Exit(1)
			}
		}
	}
}
