/* ssh2.c: the libssh2 transport (docs/remote.md, "Transports"): an SSH
 * session in-process through libssh2 on a TCP socket client.c connected. The
 * host key is checked against known_hosts (known_hosts_verify=normal|auto|
 * ignore, as libvirt), the user authenticates with a key file, and an exec
 * channel runs `hyperfsd --stdio` (or NETCAT -U SOCKET, or command=) far side.
 * A pump thread then owns the session, non-blocking, and moves bytes between
 * the channel and one end of a socketpair; client.c's reader thread sees the
 * other end as a plain stream socket, as for the ssh and ext transports. */
#include <errno.h>
#include <libssh2.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "remote/ssh2.h"
#include "util/error.h"

#define PUMP_BUF (256 * 1024) /* bytes held each way before the pump stops reading */

struct HvSsh2 {
	int sock;  /* TCP to the sshd */
	int local; /* our end of the socketpair */
	LIBSSH2_SESSION *sess;
	LIBSSH2_CHANNEL *chan;
	GThread *pump;
	gint stop;
};

/* libssh2 host key types -> known_hosts key types. */
static const struct {
	int hostkey, known;
} key_types[] = {
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA },
	{ LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256 },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384 },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521 },
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519 },
};

static const char *
sess_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;

	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

/* Appends one entry for host to the known_hosts file (verify=auto). */
static int
known_hosts_add(LIBSSH2_KNOWNHOSTS *kh, const char *file, const char *host, const char *key,
		size_t len, int type, GError **err)
{
	struct libssh2_knownhost *entry = NULL;
	char line[8192];
	size_t n = 0;
	FILE *f;

	if (libssh2_knownhost_addc(kh, host, NULL, key, len, NULL, 0,
				   LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type,
				   &entry) < 0 ||
	    libssh2_knownhost_writeline(kh, entry, line, sizeof(line), &n,
					LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
		return hv_error_set(err, EIO, "cannot add the host key of '%s' to '%s'", host, file);
	f = fopen(file, "a");
	if (!f || fwrite(line, 1, n, f) != n) {
		int e = errno;

		if (f)
			fclose(f);
		return hv_error_set(err, e, "cannot write '%s': %s", file, g_strerror(e));
	}
	fclose(f);
	return 0;
}

/* The host key against known_hosts, as libvirt's known_hosts_verify says. */
static int
check_host_key(HvSsh2 *s, const RpcConnectOpts *o, GError **err)
{
	const char *verify = o->known_hosts_verify ? o->known_hosts_verify : "normal";
	g_autofree char *file = o->known_hosts ? g_strdup(o->known_hosts)
					       : g_build_filename(g_get_home_dir(), ".ssh",
								  "known_hosts", NULL);
	g_autofree char *host = o->port == 22 ? g_strdup(o->target)
					      : g_strdup_printf("[%s]:%d", o->target, o->port);
	struct libssh2_knownhost *found = NULL;
	LIBSSH2_KNOWNHOSTS *kh;
	const char *key;
	size_t len = 0;
	int type = 0, ktype = 0, rc;

	if (g_str_equal(verify, "ignore"))
		return 0;
	if (!g_str_equal(verify, "normal") && !g_str_equal(verify, "auto"))
		return hv_error_set(err, EINVAL, "known_hosts_verify='%s' is not normal, auto or ignore",
				    verify);
	key = libssh2_session_hostkey(s->sess, &len, &type);
	for (size_t i = 0; i < G_N_ELEMENTS(key_types); i++)
		if (key_types[i].hostkey == type)
			ktype = key_types[i].known;
	if (!key || !ktype)
		return hv_error_set(err, EPROTO, "'%s' sent a host key of unknown type %d", host, type);
	kh = libssh2_knownhost_init(s->sess);
	if (!kh)
		return hv_error_set(err, ENOMEM, "cannot set up known hosts");
	/* A missing file is an empty one. */
	if (g_file_test(file, G_FILE_TEST_EXISTS) &&
	    libssh2_knownhost_readfile(kh, file, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
		rc = hv_error_set(err, EINVAL, "cannot read known hosts file '%s': %s", file,
				  sess_error(s->sess));
		goto out;
	}
	rc = libssh2_knownhost_checkp(kh, o->target, o->port, key, len,
				      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | ktype,
				      &found);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		rc = 0;
	else if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		rc = hv_error_set(err, EACCES,
				  "Host key verification failed: the host key of '%s' does not match "
				  "the one in '%s'", host, file);
	else if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && g_str_equal(verify, "auto"))
		rc = known_hosts_add(kh, file, host, key, len, ktype, err);
	else if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND)
		rc = hv_error_set(err, EACCES,
				  "Host key verification failed: '%s' is not in '%s' "
				  "(known_hosts_verify=auto adds it)", host, file);
	else
		rc = hv_error_set(err, EIO, "cannot check the host key of '%s': %s", host,
				  sess_error(s->sess));
out:
	libssh2_knownhost_free(kh);
	return rc;
}

/* Public key authentication: keyfile=, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
static int
authenticate(HvSsh2 *s, const RpcConnectOpts *o, const char *user, GError **err)
{
	static const char *const defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };

	if (o->keyfile) {
		if (libssh2_userauth_publickey_fromfile(s->sess, user, NULL, o->keyfile, NULL) == 0)
			return 0;
		return hv_error_set(err, EACCES, "'%s@%s' refused the key '%s': %s", user, o->target,
				    o->keyfile, sess_error(s->sess));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(defaults); i++) {
		g_autofree char *k = g_build_filename(g_get_home_dir(), ".ssh", defaults[i], NULL);

		if (g_file_test(k, G_FILE_TEST_EXISTS) &&
		    libssh2_userauth_publickey_fromfile(s->sess, user, NULL, k, NULL) == 0)
			return 0;
	}
	return hv_error_set(err, EACCES, "'%s@%s' accepted none of our keys (give keyfile=)", user,
			    o->target);
}

/* What the channel runs: command=, NETCAT -U SOCKET, or hyperfsd --stdio. */
static char *
far_command(const RpcConnectOpts *o)
{
	g_autofree char *q = NULL;

	if (o->command)
		return g_strdup(o->command);
	if (!o->netcat)
		return g_strdup("hyperfsd --stdio");
	q = g_shell_quote(o->socket ? o->socket : "/run/hyperfs/hyperfs-sock");
	return g_strdup_printf("%s -U %s", o->netcat, q);
}

/* Moves what it can each way: -1 when either side has ended, else whether
 * anything moved. libssh2 reads the socket inside its write and stderr calls
 * too and keeps what it read, so a round that moved anything is followed by
 * another before the pump sleeps in poll(): the socket may be quiet while
 * libssh2 holds a whole reply. */
static int
pump_once(HvSsh2 *s, GByteArray *to_chan, GByteArray *to_local)
{
	char tmp[32768];
	ssize_t n;
	int moved = 0;

	while (to_local->len < PUMP_BUF) {
		n = libssh2_channel_read(s->chan, tmp, sizeof(tmp));
		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0 || (n == 0 && libssh2_channel_eof(s->chan)))
			return -1;
		if (n == 0)
			break;
		g_byte_array_append(to_local, (guint8 *)tmp, (guint)n);
		moved = 1;
	}
	while ((n = libssh2_channel_read_stderr(s->chan, tmp, sizeof(tmp) - 1)) > 0) {
		tmp[n] = 0;
		g_debug("libssh2: far side: %s", g_strchomp(tmp));
		moved = 1;
	}
	if (to_local->len) {
		n = send(s->local, to_local->data, to_local->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			g_byte_array_remove_range(to_local, 0, (guint)n);
			moved = 1;
		}
	}
	while (to_chan->len < PUMP_BUF) {
		n = recv(s->local, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (n < 0)
			break;
		g_byte_array_append(to_chan, (guint8 *)tmp, (guint)n);
		moved = 1;
	}
	while (to_chan->len) {
		n = libssh2_channel_write(s->chan, (char *)to_chan->data, to_chan->len);
		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0)
			return -1;
		g_byte_array_remove_range(to_chan, 0, (guint)n);
		moved = 1;
	}
	return moved;
}

static gpointer
pump_main(gpointer data)
{
	HvSsh2 *s = data;
	g_autoptr(GByteArray) to_chan = g_byte_array_new();
	g_autoptr(GByteArray) to_local = g_byte_array_new();
	int moved;

	while (!g_atomic_int_get(&s->stop) && (moved = pump_once(s, to_chan, to_local)) >= 0) {
		int dirs = libssh2_session_block_directions(s->sess);
		struct pollfd p[2] = {
			{ .fd = s->sock, .events = POLLIN },
			{ .fd = s->local, .events = to_local->len ? POLLOUT : 0 },
		};

		if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			p[0].events |= POLLOUT;
		if (to_chan->len < PUMP_BUF)
			p[1].events |= POLLIN;
		/* after a round that moved bytes, only look (see pump_once) */
		if (poll(p, 2, moved ? 0 : 500) < 0 && errno != EINTR)
			break;
	}
	/* The peer or our reader is gone: the reader sees EOF and reports it. */
	shutdown(s->local, SHUT_RDWR);
	return NULL;
}

static gpointer
init_once(gpointer data)
{
	(void)data;
	return GINT_TO_POINTER(libssh2_init(0));
}

void
hv_ssh2_free(HvSsh2 *s)
{
	if (!s)
		return;
	g_atomic_int_set(&s->stop, 1);
	if (s->local >= 0)
		shutdown(s->local, SHUT_RDWR);
	if (s->pump)
		g_thread_join(s->pump);
	if (s->sess) {
		libssh2_session_set_blocking(s->sess, 1);
		libssh2_session_set_timeout(s->sess, 1000);
		if (s->chan) {
			libssh2_channel_close(s->chan);
			libssh2_channel_free(s->chan);
		}
		libssh2_session_disconnect(s->sess, "closed");
		libssh2_session_free(s->sess);
	}
	if (s->local >= 0)
		close(s->local);
	if (s->sock >= 0)
		close(s->sock);
	g_free(s);
}

int
hv_ssh2_open(int sock, const RpcConnectOpts *o, HvSsh2 **out, GError **err)
{
	static GOnce once = G_ONCE_INIT;
	g_autofree char *cmd = far_command(o);
	const char *user = o->user ? o->user : g_get_user_name();
	HvSsh2 *s = g_new0(HvSsh2, 1);
	int sv[2], rc;

	s->sock = sock;
	s->local = -1;
	if (GPOINTER_TO_INT(g_once(&once, init_once, NULL)) != 0) {
		rc = hv_error_set(err, EIO, "cannot initialise libssh2");
		goto fail;
	}
	s->sess = libssh2_session_init();
	if (!s->sess) {
		rc = hv_error_set(err, ENOMEM, "cannot create a libssh2 session");
		goto fail;
	}
	libssh2_session_set_blocking(s->sess, 1);
	libssh2_session_set_timeout(s->sess, RPC_CLIENT_TIMEOUT_MS);
	if (libssh2_session_handshake(s->sess, sock) != 0) {
		rc = hv_error_set(err, EPROTO, "SSH handshake with '%s' failed: %s", o->target,
				  sess_error(s->sess));
		goto fail;
	}
	if ((rc = check_host_key(s, o, err)) < 0 || (rc = authenticate(s, o, user, err)) < 0)
		goto fail;
	s->chan = libssh2_channel_open_session(s->sess);
	if (!s->chan || libssh2_channel_exec(s->chan, cmd) != 0) {
		rc = hv_error_set(err, EIO, "cannot run '%s' on '%s': %s", cmd, o->target,
				  sess_error(s->sess));
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = hv_error_set(err, errno, "cannot create a socketpair: %s", g_strerror(errno));
		goto fail;
	}
	s->local = sv[1];
	libssh2_session_set_blocking(s->sess, 0);
	s->pump = g_thread_new("hv-ssh2-pump", pump_main, s);
	*out = s;
	return sv[0];
fail:
	hv_ssh2_free(s);
	return rc;
}
