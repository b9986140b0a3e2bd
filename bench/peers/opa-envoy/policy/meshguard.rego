# meshguard's inbound and egress decisions (DESIGN.md) in Rego, for OPA-Envoy.
#
# The data document (`data.meshguard.policy`) is written by bench/peers/opa-data.ts from a compiled
# meshguard policy: selectors are resolved there into identities, namespaces and principal
# prefixes per segment, and segment indices per destination workload, so that a decision here is
# lookups, as an OPA operator would lay out their data. Everything a request decides on is done
# here: destination and source workloads, blocklist (fail closed), strict mTLS, path
# normalization (400), default deny, segments in file order, egress host canonicalization,
# in-mesh hosts, egress hosts/CIDRs/ports.
#
# Not here (meshguard-only): rate limits (envoyproxy/ratelimit is the peer for those), anomaly
# scoring and DNS-tunnelling enforcement (opa-data.ts refuses policies that enforce them),
# quarantine (run-time state).
#
# The plugin's `path` is meshguard/authz/decision.
package meshguard.authz

import rego.v1

attrs := object.get(input, "attributes", {})

ext := object.get(attrs, "contextExtensions", {})

source := object.get(attrs, ["source", "principal"], "")

http := attrs.request.http

has_http if is_object(http)

headers := object.get(http, "headers", {}) if {
	has_http
} else := {}

# ---------------------------------------------------------------- the response

decision := {"allowed": true, "headers": allow_headers, "request_headers_to_remove": headers_to_remove} if {
	verdict.allow
} else := {
	"allowed": false,
	"http_status": verdict.status,
	"body": denied_body[verdict.status],
	"headers": {"content-type": "text/plain"},
}

denied_body := {
	400: "meshguard: bad request\n",
	403: "meshguard: access denied\n",
}

allow_headers := object.union(
	{"x-meshguard-source": source | source != ""},
	{"x-meshguard-rule": verdict.rule | verdict.rule != null},
)

headers_to_remove := array.concat(
	["x-forwarded-client-cert"],
	[name | some name, _ in headers; startswith(name, "x-meshguard-"); not allow_headers[name]],
)

allow(rule) := {"allow": true, "status": 200, "rule": rule}

deny(status, reason) := {"allow": false, "status": status, "rule": null, "reason": reason}

direction := object.get(ext, "meshguard.io/direction", "inbound")

verdict := deny(400, "a request field differs from its pseudo-header") if {
	pseudo_conflict
} else := inbound if {
	direction == "inbound"
} else := egress if {
	direction == "outbound"
} else := deny(403, "unknown meshguard.io/direction")

# ---------------------------------------------------------------- addresses

source_address := address_text(attrs.source)

destination_address := address_text(attrs.destination)

# A socket address's IP; a pipe or an Envoy internal address is not an IP (unreadable).
address_text(peer) := peer.address.socketAddress.address if {
	peer.address.socketAddress.address
} else := "pipe" if {
	peer.address.pipe
} else := "internal" if {
	peer.address.envoyInternalAddress
}

destination_port := attrs.destination.address.socketAddress.portValue if {
	attrs.destination.address.socketAddress.portValue > 0
} else := null

ipv4_canonical(text) if {
	regex.match(`^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$`, text)
	every part in split(text, ".") {
		to_number(part) <= 255
	}
}

# IPv6 as Go reads it (no zone id); an IPv4-mapped address is its IPv4 address.
ipv6_valid(text) if {
	contains(text, ":")
	not contains(text, "%")
	not contains(text, "/")
	ipv6_parses(text)
}

ipv6_parses(text) if net.cidr_contains("::/0", text)

ipv6_parses(text) if net.cidr_contains("0.0.0.0/0", text)

ip_valid(text) if {
	not contains(text, ":")
	ipv4_canonical(text)
}

ip_valid(text) if ipv6_valid(text)

in_blocklist(ip) if in_cidrs(data.meshguard.policy.blocklist, ip)

# `cidrs` from opa-data.ts: `plain` as written (Go reads ::ffff:a.b.c.d as IPv4 itself), `embedded`
# the IPv6 forms of each IPv4 block (IPv4-translated, NAT64, 6to4), `compatible` its ::a.b.c.d form,
# which never holds :: or ::1.
in_cidrs(cidrs, ip) if {
	some cidr in cidrs.plain
	net.cidr_contains(cidr, ip)
}

in_cidrs(cidrs, ip) if {
	contains(ip, ":")
	some cidr in cidrs.embedded
	net.cidr_contains(cidr, ip)
}

in_cidrs(cidrs, ip) if {
	contains(ip, ":")
	not net.cidr_contains("::/127", ip)
	some cidr in cidrs.compatible
	net.cidr_contains(cidr, ip)
}

# An address in the blocklist, or one that cannot be read while a blocklist exists (fail closed).
address_blocked(address) if {
	count(data.meshguard.policy.blocklist.plain) > 0
	not ip_valid(address)
}

address_blocked(address) if {
	ip_valid(address)
	in_blocklist(address)
}

# ---------------------------------------------------------------- path normalization

hex_value := {
	"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9,
	"a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15,
	"A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15,
}

# Printable ASCII from 0x20, to turn a decoded escape back into its character.
printable := concat("", [` !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`, "`", `abcdefghijklmnopqrstuvwxyz{|}~`])

# A field, else its pseudo-header (an empty field is absent, as in proto3); both and different: 400.
pseudo_fields := {"path": ":path", "method": ":method", "host": ":authority"}

pseudo_conflict if {
	has_http
	some field, pseudo in pseudo_fields
	http[field] != ""
	headers[pseudo] != http[field]
}

field_or_pseudo(field) := http[field] if {
	has_http
	http[field] != ""
} else := headers[pseudo_fields[field]] if {
	has_http
}

raw_path := p if {
	p := field_or_pseudo("path")
} else := ""

path_part(raw) := substring(raw, 0, indexof(raw, "?")) if {
	contains(raw, "?")
} else := raw

query_part(raw) := substring(raw, indexof(raw, "?") + 1, -1) if {
	contains(raw, "?")
} else := ""

control_char := `[\x00-\x1f\x7f]`

escape_value(part) := (hex_value[substring(part, 0, 1)] * 16) + hex_value[substring(part, 1, 1)]

escape_error(part) := "malformed percent escape" if {
	count(part) < 2
} else := "malformed percent escape" if {
	not hex_value[substring(part, 0, 1)]
} else := "malformed percent escape" if {
	not hex_value[substring(part, 1, 1)]
} else := "encoded slash or backslash in path" if {
	escape_value(part) in {47, 92}
} else := "encoded control character in path" if {
	v := escape_value(part)
	v < 32
} else := "encoded control character in path" if {
	escape_value(part) == 127
}

escape_text(part) := c if {
	c := substring(printable, escape_value(part) - 32, 1)
	regex.match(`^[A-Za-z0-9._~-]$`, c)
} else := concat("", ["%", upper(substring(part, 0, 2))])

decode(p) := concat("", array.concat([parts[0]], [concat("", [escape_text(part), substring(part, 2, -1)]) | some part in array.slice(parts, 1, count(parts))])) if {
	parts := split(p, "%")
}

first_escape_error(p) := errors[0] if {
	parts := split(p, "%")
	errors := [e | some part in array.slice(parts, 1, count(parts)); e := escape_error(part)]
	count(errors) > 0
}

segment_delta(s) := 0 if {
	s in {"", "."}
} else := -1 if {
	s == ".."
} else := 1

# RFC 3986 §5.2.4 with `..` above the root staying at `/`: a pushed segment survives when the
# stack never drops below its height afterwards. Height after step k is the running sum of the
# deltas reflected at zero: S(k) - min(0, min over m <= k of S(m)).
remove_dot_segments(decoded) := result if {
	segments := array.slice(split(decoded, "/"), 1, count(split(decoded, "/")))
	deltas := [segment_delta(s) | some s in segments]
	sums := [sum(array.slice(deltas, 0, k + 1)) | some k, _ in deltas]
	heights := [h | some k, _ in sums; h := sums[k] - min(array.concat([0], array.slice(sums, 0, k + 1)))]
	kept := [s |
		some i, s in segments
		deltas[i] == 1
		not dropped_below(heights, i)
	]
	result := joined(kept, segments[count(segments) - 1])
}

joined(kept, last) := "/" if {
	count(kept) == 0
} else := concat("", ["/", concat("/", kept), "/"]) if {
	last in {"", ".", ".."}
} else := concat("", ["/", concat("/", kept)])

dropped_below(heights, i) if {
	some j, h in heights
	j > i
	h < heights[i]
}

path_error(raw) := "fragment in path" if {
	contains(raw, "#")
} else := "raw control character in query" if {
	regex.match(control_char, query_part(raw))
} else := "path does not start with /" if {
	not startswith(path_part(raw), "/")
} else := "raw backslash in path" if {
	contains(path_part(raw), `\`)
} else := "raw control character in path" if {
	regex.match(control_char, path_part(raw))
} else := e if {
	e := first_escape_error(path_part(raw))
} else := "dot segment with a path parameter" if {
	some s in split(decode(path_part(raw)), "/")
	regex.match(`^\.\.?(;|%3B)`, s)
}

normalized_path(raw) := path_part(raw) if {
	regex.match(`^[^%\\.;#\x00-\x1f\x7f]*$`, path_part(raw))
	not contains(path_part(raw), "//")
} else := remove_dot_segments(decode(path_part(raw)))

# ---------------------------------------------------------------- inbound

named_workload := ext["meshguard.io/workload"]

destinations := [named_workload] if {
	data.meshguard.policy.workloads[named_workload]
}

destinations := data.meshguard.policy.by_identity[p] if {
	not named_workload
	p := object.get(attrs, ["destination", "principal"], "")
	p != ""
}

method := m if {
	m := field_or_pseudo("method")
} else := "" if {
	has_http
} else := null

request_path := normalized_path(raw_path) if {
	has_http
} else := null

spiffe_valid(id) if {
	count(id) <= 2048
	regex.match(`^spiffe://[a-z0-9._-]{1,255}(/[A-Za-z0-9._-]+)*$`, id)
	not regex.match(`/\.\.?(/|$)`, substring(id, 9, -1))
}

source_namespace := parts[2] if {
	spiffe_valid(source)
	parts := split(substring(source, 9, -1), "/")
	count(parts) == 5
	parts[0] == data.meshguard.policy.trust_domain
	parts[1] == "ns"
	parts[3] == "sa"
} else := null

admits(seg) if seg.identities[source]

admits(seg) if seg.namespaces[source_namespace]

admits(seg) if {
	spiffe_valid(source)
	some prefix in seg.prefixes
	startswith(source, prefix)
}

path_matches(pattern) if pattern.kind == "any"

path_matches(pattern) if {
	pattern.kind == "exact"
	request_path == pattern.value
}

path_matches(pattern) if {
	pattern.kind == "prefix"
	startswith(request_path, pattern.value)
}

path_matches(pattern) if {
	pattern.kind == "suffix"
	endswith(request_path, pattern.value)
}

rule_matches(rule) if {
	methods_match(rule)
	paths_match(rule)
	ports_match(rule.ports, destination_port)
}

methods_match(rule) if rule.methods == null

methods_match(rule) if {
	method != null
	method in rule.methods
}

paths_match(rule) if rule.paths == null

paths_match(rule) if {
	request_path != null
	some pattern in rule.paths
	path_matches(pattern)
}

ports_match(ports, _) if ports == null

ports_match(ports, port) if {
	port != null
	port in ports
}

segment_allows(seg) if count(seg.rules) == 0

segment_allows(seg) if {
	some rule in seg.rules
	rule_matches(rule)
}

decide_for(key) := allow(null) if {
	count(data.meshguard.policy.workloads[key].segments) == 0
	data.meshguard.policy.default_inbound == "allow"
} else := deny(403, "no segment selects the workload: default deny") if {
	count(data.meshguard.policy.workloads[key].segments) == 0
} else := allow(allowing[0].name) if {
	source != ""
	allowing := [seg |
		some i in data.meshguard.policy.workloads[key].segments
		seg := data.meshguard.policy.segments[i]
		admits(seg)
		segment_allows(seg)
	]
	count(allowing) > 0
} else := deny(403, "no segment allows the request")

combine(verdicts) := denials[0] if {
	denials := [v | some v in verdicts; not v.allow]
	count(denials) > 0
} else := verdicts[0]

inbound := deny(403, "unknown destination workload") if {
	not destinations
} else := deny(403, "source address is blocklisted") if {
	address_blocked(source_address)
} else := deny(403, "mTLS is strict and the request has no verified peer identity") if {
	data.meshguard.policy.mtls == "strict"
	source == ""
} else := deny(400, concat("", ["bad path: ", e])) if {
	has_http
	e := path_error(raw_path)
} else := combine([decide_for(key) | some key in destinations])

# ---------------------------------------------------------------- egress

egress_sources := [named_workload] if {
	data.meshguard.policy.workloads[named_workload]
}

egress_sources := data.meshguard.policy.by_identity[source] if {
	not named_workload
	source != ""
}

sni := object.get(attrs, ["tlsSession", "sni"], "")

authority_candidates := [c |
	some c in [object.get(http, "host", ""), object.get(headers, ":authority", ""), object.get(headers, "host", "")]
	c != ""
] if {
	has_http
} else := []

# The host the decision is about: the authority, else the SNI (a bare host name), else the
# destination address as an IP literal.
egress_host := canonical_host(authority_candidates[0]) if {
	count(authority_candidates) > 0
} else := sni_host(sni) if {
	count(authority_candidates) == 0
	sni != ""
} else := canonical_host(concat("", ["[", destination_address, "]"])) if {
	count(authority_candidates) == 0
	sni == ""
	contains(destination_address, ":")
} else := canonical_host(destination_address) if {
	count(authority_candidates) == 0
	sni == ""
	not contains(destination_address, ":")
}

has_egress_host if count(authority_candidates) > 0

has_egress_host if sni != ""

has_egress_host if destination_address

sni_host(name) := h if {
	regex.match(`^[A-Za-z0-9.-]+$`, name)
	h := name_host(name, null)
	h.kind == "name"
}

port_number(text) := to_number(text) if {
	regex.match(`^[1-9][0-9]{0,4}$`, text)
	to_number(text) <= 65535
}

canonical_host(a) := h if {
	startswith(a, "[")
	h := bracketed_host(a)
} else := h if {
	not startswith(a, "[")
	h := name_or_ipv4(a)
}

bracketed_host(a) := {"ok": true, "kind": "ip", "host": inner, "port": port} if {
	close := indexof(a, "]")
	close > 0
	inner := substring(a, 1, close - 1)
	ipv6_valid(inner)
	after := substring(a, close + 1, -1)
	port := bracket_port(after)
}

bracket_port(after) := null if after == ""

bracket_port(after) := port_number(substring(after, 1, -1)) if {
	startswith(after, ":")
}

name_or_ipv4(a) := h if {
	contains(a, ":")
	port := port_number(substring(a, indexof(a, ":") + 1, -1))
	h := name_host(substring(a, 0, indexof(a, ":")), port)
} else := h if {
	not contains(a, ":")
	h := name_host(a, null)
}

# ASCII-only case folding: any other character is refused before lower() could fold it.
name_host(text, port) := h if {
	regex.match(`^[A-Za-z0-9.-]+$`, text)
	lowered := lower(text)
	host := trim_suffix(lowered, ".")
	count(host) <= 253
	regex.match(`^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$`, host)
	h := name_or_ip(host, port)
}

name_or_ip(host, port) := {"ok": true, "kind": "ip", "host": host, "port": port} if {
	ends_in_number(host)
	ipv4_canonical(host)
} else := {"ok": true, "kind": "name", "host": host, "port": port} if {
	not ends_in_number(host)
}

ends_in_number(host) if {
	labels := split(host, ".")
	last := labels[count(labels) - 1]
	regex.match(`^([0-9]+|0x[0-9a-f]*)$`, last)
}

in_mesh(h) if {
	h.kind == "name"
	some suffix in data.meshguard.policy.mesh_domains
	endswith(h.host, concat("", [".", suffix]))
}

scheme_port := 443 if {
	has_http
	lower(object.get(http, "scheme", object.get(headers, ":scheme", ""))) == "https"
} else := 80 if {
	has_http
	lower(object.get(http, "scheme", object.get(headers, ":scheme", ""))) == "http"
} else := null

# The connection's destination port decides; an authority port that differs from it is denied.
egress_port(h) := destination_port if {
	destination_port != null
	h.port in {null, destination_port}
} else := h.port if {
	destination_port == null
	h.port != null
} else := scheme_port if {
	destination_port == null
	h.port == null
}

host_matches(rule, h) if {
	h.kind == "ip"
	in_cidrs(rule.cidrs, h.host)
}

host_matches(rule, h) if {
	h.kind == "name"
	rule.any_host
}

host_matches(rule, h) if {
	h.kind == "name"
	rule.hosts[h.host]
}

host_matches(rule, h) if {
	h.kind == "name"
	some suffix in rule.host_suffixes
	endswith(h.host, suffix)
}

egress_for(key, h) := allow(null) if {
	count(data.meshguard.policy.workloads[key].egress) == 0
	data.meshguard.policy.default_egress == "allow"
} else := deny(403, "no egress rule selects the workload: default deny") if {
	count(data.meshguard.policy.workloads[key].egress) == 0
} else := allow(allowing[0].name) if {
	allowing := [rule |
		some i in data.meshguard.policy.workloads[key].egress
		rule := data.meshguard.policy.egress[i]
		host_matches(rule, h)
		ports_match(rule.ports, egress_port(h))
	]
	count(allowing) > 0
} else := deny(403, "no egress rule allows the destination")

destination_blocked if address_blocked(destination_address)

egress := deny(403, "unknown source workload") if {
	not egress_sources
} else := deny(403, "no destination host") if {
	not has_egress_host
} else := deny(403, "bad host") if {
	not egress_host
} else := deny(403, "authority port differs from the destination port") if {
	not egress_port(egress_host)
} else := deny(403, "destination is blocklisted") if {
	egress_host.kind == "ip"
	in_blocklist(egress_host.host)
} else := deny(403, "destination is blocklisted") if {
	destination_blocked
} else := allow(null) if {
	in_mesh(egress_host)
} else := combine([egress_for(key, egress_host) | some key in egress_sources])
