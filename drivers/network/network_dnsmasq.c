/* network_dnsmasq.c: the dnsmasq of a network: its configuration from the
 * definition (only values network_check.c let through reach it), starting,
 * finding and stopping it by its pid file, and reading its leases. */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "drivers/network/network_dnsmasq.h"
#include "drivers/network/network_backend.h"
#include "drivers/network/network_util.h"
#include "conf/conf_util.h"

#define LEASE_TIME "1h"
#define STOP_WAIT_US (5 * G_USEC_PER_SEC)

bool
net_dnsmasq_wanted(const HvNetworkDef *def)
{
	return def->ips->len > 0;
}

static char *
file_of(const char *state, const char *ext)
{
	return g_strdup_printf("%s/dnsmasq.%s", state, ext);
}

static void
ranges_and_hosts(GString *conf, GString *hosts, const HvNetworkDef *def)
{
	for (guint k = 0; k < def->ips->len; k++) {
		const HvNetworkIpDef *ip = def->ips->pdata[k];
		NetAddr net;
		g_autofree char *mask = NULL;

		if (net_ip_of(def->name, ip, &net, NULL) < 0)
			continue;
		mask = net.family == AF_INET ? net_netmask_str(&net) : g_strdup_printf("%u", net.prefix);
		for (guint j = 0; j < ip->ranges->len; j++) {
			g_auto(GStrv) se = g_strsplit(ip->ranges->pdata[j], "-", 2);

			g_string_append_printf(conf, "dhcp-range=%s,%s,%s,%s\n", se[0], se[1], mask,
					       LEASE_TIME);
		}
		/* as libvirt: static hosts only still need a range for dnsmasq to
		 * serve DHCP; an IPv6 subnet without DHCP gets router
		 * advertisements only (SLAAC), one with DHCP gets them too */
		if (!ip->ranges->len && ip->hosts->len)
			g_string_append_printf(conf, "dhcp-range=%s,static%s%s\n", ip->address,
					       net.family == AF_INET6 ? "," : "",
					       net.family == AF_INET6 ? mask : "");
		if (net.family == AF_INET6 && !ip->ranges->len && !ip->hosts->len)
			g_string_append_printf(conf, "dhcp-range=%s,ra-only\n", ip->address);
		else if (net.family == AF_INET6)
			g_string_append(conf, "enable-ra\n");
		if (ip->tftp_root)
			g_string_append_printf(conf, "enable-tftp\ntftp-root=%s\n", ip->tftp_root);
		if (ip->bootp_file)
			g_string_append_printf(conf, "dhcp-boot=%s\n", ip->bootp_file);
		for (guint j = 0; j < ip->hosts->len; j++) {
			const HvNetworkDhcpHostDef *h = ip->hosts->pdata[j];
			g_autofree char *addr = !h->ip ? NULL : net.family == AF_INET6 ?
				g_strdup_printf("[%s]", h->ip) : g_strdup(h->ip);
			const char *parts[3] = { h->mac, addr, h->name };
			bool first = true;

			for (int p = 0; p < 3; p++)
				if (parts[p]) {
					g_string_append_printf(hosts, "%s%s", first ? "" : ",", parts[p]);
					first = false;
				}
			g_string_append_c(hosts, '\n');
		}
	}
}

static void
srv_txt(GString *conf, const HvNetworkDef *def)
{
	xmlNode *dns = hv_xml_child(xmlDocGetRootElement(def->doc), "dns");

	for (xmlNode *s = hv_xml_child(dns, "srv"); s; s = hv_xml_next_named(s)) {
		g_autofree char *svc = hv_xml_prop(s, "service"), *proto = hv_xml_prop(s, "protocol");
		g_autofree char *dom = hv_xml_prop(s, "domain"), *target = hv_xml_prop(s, "target");
		g_autofree char *port = hv_xml_prop(s, "port"), *prio = hv_xml_prop(s, "priority");
		g_autofree char *weight = hv_xml_prop(s, "weight");

		if (!svc || !proto)
			continue;
		g_string_append_printf(conf, "srv-host=_%s._%s", svc, proto);
		if (dom || def->domain_name)
			g_string_append_printf(conf, ".%s", dom ? dom : def->domain_name);
		if (target)
			g_string_append_printf(conf, ",%s,%s,%s,%s", target, port ? port : "0",
					       prio ? prio : "0", weight ? weight : "0");
		g_string_append_c(conf, '\n');
	}
	for (xmlNode *t = hv_xml_child(dns, "txt"); t; t = hv_xml_next_named(t)) {
		g_autofree char *n = hv_xml_prop(t, "name"), *v = hv_xml_prop(t, "value");

		g_string_append_printf(conf, "txt-record=%s,\"%s\"\n", n, v ? v : "");
	}
}

static int
write_file(const char *path, const GString *s, GError **err)
{
	g_autoptr(GError) e = NULL;

	if (!g_file_set_contents(path, s->str, (gssize)s->len, &e))
		return hv_error_set(err, EIO, "cannot write '%s': %s", path, e->message);
	return 0;
}

int
net_dnsmasq_write(const char *state, const HvNetworkDef *def, GError **err)
{
	g_autoptr(GString) conf = g_string_new(NULL), hosts = g_string_new(NULL);
	g_autoptr(GString) addn = g_string_new(NULL);
	g_autofree char *pid = file_of(state, "pid"), *leases = file_of(state, "leases");
	g_autofree char *hf = file_of(state, "hostsfile"), *ah = file_of(state, "addnhosts");
	g_autofree char *cf = file_of(state, "conf");
	int r;

	g_string_append_printf(conf, "# hyperfs: network '%s' (generated; edits are lost)\n"
			       "strict-order\nuser=root\npid-file=%s\nexcept-interface=lo\n"
			       "bind-dynamic\ninterface=%s\nno-hosts\naddn-hosts=%s\n"
			       "dhcp-hostsfile=%s\ndhcp-leasefile=%s\ndhcp-no-override\n"
			       "dhcp-authoritative\n", def->name, pid, def->bridge, ah, hf, leases);
	if (def->domain_name)
		g_string_append_printf(conf, "domain=%s\nlocal=/%s/\nexpand-hosts\n",
				       def->domain_name, def->domain_name);
	if (def->dns_forwarders->len)
		g_string_append(conf, "no-resolv\n");
	for (guint k = 0; k < def->dns_forwarders->len; k++)
		g_string_append_printf(conf, "server=%s\n", (char *)def->dns_forwarders->pdata[k]);
	ranges_and_hosts(conf, hosts, def);
	srv_txt(conf, def);
	for (guint k = 0; k < def->dns_hosts->len; k++) {
		const HvNetworkDnsHostDef *h = def->dns_hosts->pdata[k];

		g_string_append(addn, h->ip);
		for (guint j = 0; j < h->hostnames->len; j++)
			g_string_append_printf(addn, " %s", (char *)h->hostnames->pdata[j]);
		g_string_append_c(addn, '\n');
	}
	if ((r = write_file(hf, hosts, err)) < 0 || (r = write_file(ah, addn, err)) < 0)
		return r;
	return write_file(cf, conf, err);
}

int
net_dnsmasq_start(const char *state, const HvNetworkDef *def, GError **err)
{
	g_autofree char *cf = file_of(state, "conf");
	g_autofree char *opt = g_strdup_printf("--conf-file=%s", cf);
	g_autofree char *bin = g_find_program_in_path("dnsmasq");
	const char *argv[] = { bin ? bin : "/usr/sbin/dnsmasq", opt, NULL };
	int r;

	if ((r = net_exec(def->name, "starting dnsmasq", argv, err)) < 0)
		return r;
	if (!net_dnsmasq_pid(state))
		return hv_error_set(err, EIO, "network '%s': dnsmasq started but left no pid file",
				    def->name);
	return 0;
}

pid_t
net_dnsmasq_pid(const char *state)
{
	g_autofree char *pf = file_of(state, "pid"), *cf = file_of(state, "conf");
	g_autofree char *text = NULL, *cmd = NULL, *proc = NULL;
	gsize len = 0;
	long pid;

	if (!g_file_get_contents(pf, &text, NULL, NULL) || (pid = strtol(text, NULL, 10)) <= 1)
		return 0;
	proc = g_strdup_printf("/proc/%ld/cmdline", pid);
	if (!g_file_get_contents(proc, &cmd, &len, NULL))
		return 0;
	/* its command line names our config: a reused pid is someone else */
	for (gsize k = 0; k < len; k += strlen(cmd + k) + 1)
		if (g_str_has_suffix(cmd + k, cf))
			return (pid_t)pid;
	return 0;
}

/* pid is a process that has not ended (a zombie has: its sockets are closed;
 * PID 1 here may never reap it). */
static bool
pid_running(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *stat = NULL;
	const char *p;

	if (!g_file_get_contents(path, &stat, NULL, NULL) || !(p = strrchr(stat, ')')) ||
	    strlen(p) < 3)
		return false;
	return p[2] != 'Z' && p[2] != 'X';
}

void
net_dnsmasq_stop(const char *state)
{
	pid_t pid = net_dnsmasq_pid(state);
	gint64 end = g_get_monotonic_time() + STOP_WAIT_US;

	if (!pid)
		return;
	kill(pid, SIGTERM);
	/* until the process itself is gone, not its pid file (which dnsmasq
	 * removes before its sockets close: a restart would find them bound) */
	while (pid_running(pid) && g_get_monotonic_time() < end)
		g_usleep(5000);
	if (pid_running(pid)) {
		kill(pid, SIGKILL);
		end = g_get_monotonic_time() + STOP_WAIT_US;
		while (pid_running(pid) && g_get_monotonic_time() < end)
			g_usleep(5000);
	}
}

static char *
with_prefix(const HvNetworkDef *def, const char *ip)
{
	NetAddr a, net;

	if (net_addr_parse(ip, AF_UNSPEC, &a) < 0)
		return g_strdup(ip);
	for (guint k = 0; k < def->ips->len; k++)
		if (net_ip_of(def->name, def->ips->pdata[k], &net, NULL) == 0 && net_addr_in(&net, &a))
			return g_strdup_printf("%s/%u", ip, net.prefix);
	return g_strdup_printf("%s/%u", ip, a.prefix);
}

/* Lines "EXPIRY MAC IP HOSTNAME CLIENTID" (IPv6 lines: "EXPIRY IAID IP ..."
 * after a "duid" line: the MAC is not known there). */
GPtrArray *
net_dnsmasq_leases(const char *state, const HvNetworkDef *def)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_lease_free);
	g_autofree char *lf = file_of(state, "leases"), *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(lf, &text, NULL, NULL))
		return out;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", 5);
		NetworkLease *n;

		if (g_strv_length(f) < 4 || !strcmp(f[0], "duid") || !strchr(f[1], ':'))
			continue;
		n = g_new0(NetworkLease, 1);
		n->expiry = g_ascii_strtoll(f[0], NULL, 10);
		n->mac = g_strdup(f[1]);
		n->ip = with_prefix(def, f[2]);
		n->hostname = strcmp(f[3], "*") ? g_strdup(f[3]) : NULL;
		g_ptr_array_add(out, n);
	}
	return out;
}
