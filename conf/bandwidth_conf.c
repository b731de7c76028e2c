/* bandwidth_conf.c: <bandwidth><inbound average= peak= burst=/><outbound/>
 * </bandwidth> -> HvBandwidth (see bandwidth_conf.h), with libvirt's checks
 * (virNetDevBandwidthParse): average is mandatory (0: no limit that way),
 * each direction once. */
#include "conf/bandwidth_conf.h"
#include "conf/conf_util.h"
#include <string.h>

static const struct {
	const char *attr;
	size_t off;
} rate_attrs[] = {
	{ "average", offsetof(HvBandwidthRate, average) },
	{ "peak", offsetof(HvBandwidthRate, peak) },
	{ "burst", offsetof(HvBandwidthRate, burst) },
};

static int
parse_rate(xmlNode *el, const char *what, HvBandwidthRate *r, GError **err)
{
	g_autofree char *floor = hv_xml_prop(el, "floor");
	g_autofree char *avg = hv_xml_prop(el, "average");

	if (floor && strcmp(floor, "0"))
		return hv_error_set(err, EOPNOTSUPP, "%s: <bandwidth><%s floor=>: guaranteed rates "
				    "are not supported", what, (const char *)el->name);
	if (!avg)
		return hv_error_set(err, EINVAL, "%s: <bandwidth><%s>: missing mandatory average "
				    "attribute", what, (const char *)el->name);
	for (size_t i = 0; i < G_N_ELEMENTS(rate_attrs); i++) {
		g_autofree char *v = hv_xml_prop(el, rate_attrs[i].attr);
		unsigned long long n;

		if (!v)
			continue;
		if (hv_conf_parse_ull(v, HV_BANDWIDTH_MAX, &n) < 0)
			return hv_error_set(err, EINVAL, "%s: <bandwidth><%s %s='%s'>: expected a "
					    "number from 0 to %llu", what, (const char *)el->name,
					    rate_attrs[i].attr, v, HV_BANDWIDTH_MAX);
		*(uint64_t *)((char *)r + rate_attrs[i].off) = n;
	}
	return 0;
}

int
hv_bandwidth_parse(xmlNode *parent, const char *what, HvBandwidth **out, GError **err)
{
	static const char *const dirs[] = { "inbound", "outbound", NULL };
	xmlNode *bw = hv_xml_child(parent, "bandwidth");
	g_autofree HvBandwidth *b = NULL;
	bool seen[2] = { false, false };

	*out = NULL;
	if (!bw)
		return 0;
	b = g_new0(HvBandwidth, 1);
	for (xmlNode *c = bw->children; c; c = c->next) {
		int d, r;

		if (c->type != XML_ELEMENT_NODE || (d = hv_str_index(dirs, (const char *)c->name)) < 0)
			continue;
		if (seen[d])
			return hv_error_set(err, EINVAL, "%s: <bandwidth>: only one <%s> is allowed",
					    what, dirs[d]);
		seen[d] = true;
		if ((r = parse_rate(c, what, d == 0 ? &b->in : &b->out, err)) < 0)
			return r;
	}
	if (hv_bandwidth_any(b))
		*out = g_steal_pointer(&b);
	return 0;
}

bool
hv_bandwidth_any(const HvBandwidth *bw)
{
	return bw && (bw->in.average || bw->out.average);
}
