/* tls.c: x509 TLS with gnutls (tls.h), for the remote driver's tls transport
 * (client.c) and hyperfsd's tls listener (server.c). File names follow libvirt's
 * layout so the same certificates serve virsh, libvirtd and hyperfs. */
#include <errno.h>
#include <fnmatch.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <unistd.h>
#include "remote/tls.h"
#include "util/error.h"

struct HvTls {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred; /* owned by client sessions only */
	HvTlsServer *srv;                      /* server sessions */
	bool again;                            /* a send is to be repeated */
};

struct HvTlsServer {
	gnutls_certificate_credentials_t cred;
	char **allowed_dn;
	bool verify;
};

static int
tls_err(GError **err, int rc, const char *what, const char *obj)
{
	return hv_error_set(err, EPROTO, "%s '%s': %s", what, obj, gnutls_strerror(rc));
}

/* Checks the peer's chain, dates and (client side) hostname. */
static int
verify_peer(HvTls *t, const char *host, GError **err)
{
	unsigned status = 0;
	gnutls_datum_t out = { 0 };
	int rc = gnutls_certificate_verify_peers3(t->s, host, &status);

	if (rc < 0)
		return hv_error_set(err, EACCES, "cannot verify the peer's certificate: %s",
				    gnutls_strerror(rc));
	if (status == 0)
		return 0;
	gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0);
	rc = hv_error_set(err, EACCES, "the peer's certificate is not valid: %s",
			  out.data ? (char *)out.data : "?");
	gnutls_free(out.data);
	return rc;
}

char *
hv_tls_peer_dn(HvTls *t)
{
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(t->s, &n);
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = { 0 };
	char *out = NULL;

	if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, GNUTLS_X509_DN_FLAG_COMPAT) == 0)
		out = g_strndup((const char *)dn.data, dn.size);
	gnutls_x509_crt_deinit(crt);
	gnutls_free(dn.data);
	return out;
}

/* The client's DN (libvirt's format: gnutls_x509_crt_get_dn) against the list. */
static int
check_dn(HvTls *t, GError **err)
{
	g_autofree char *dn = NULL;

	if (!t->srv->allowed_dn)
		return 0;
	dn = hv_tls_peer_dn(t);
	if (!dn)
		return hv_error_set(err, EACCES, "the client sent no certificate");
	for (char **p = t->srv->allowed_dn; *p; p++)
		if (fnmatch(*p, dn, 0) == 0)
			return 0;
	return hv_error_set(err, EACCES, "client DN '%s' is not in the allowed list", dn);
}

HvTls *
hv_tls_client_new(int fd, const char *pkipath, const char *host, bool no_verify, int timeout_ms,
		  GError **err)
{
	g_autofree char *ca = pkipath ? g_build_filename(pkipath, "cacert.pem", NULL)
				      : g_strdup("/etc/pki/CA/cacert.pem");
	g_autofree char *cert = pkipath ? g_build_filename(pkipath, "clientcert.pem", NULL)
					: g_strdup("/etc/pki/libvirt/clientcert.pem");
	g_autofree char *key = pkipath ? g_build_filename(pkipath, "clientkey.pem", NULL)
				       : g_strdup("/etc/pki/libvirt/private/clientkey.pem");
	HvTls *t = g_new0(HvTls, 1);
	unsigned char ok = 0;
	int rc;

	if ((rc = gnutls_certificate_allocate_credentials(&t->cred)) < 0) {
		tls_err(err, rc, "cannot set up TLS for", host);
		goto fail;
	}
	rc = gnutls_certificate_set_x509_trust_file(t->cred, ca, GNUTLS_X509_FMT_PEM);
	if (rc <= 0 && !no_verify) {
		hv_error_set(err, ENOENT, "cannot load the CA certificate '%s': %s", ca,
			     rc < 0 ? gnutls_strerror(rc) : "no certificate in it");
		goto fail;
	}
	if (access(cert, R_OK) == 0 &&
	    (rc = gnutls_certificate_set_x509_key_file(t->cred, cert, key, GNUTLS_X509_FMT_PEM)) < 0) {
		tls_err(err, rc, "cannot load the client certificate", cert);
		goto fail;
	}
	if ((rc = gnutls_init(&t->s, GNUTLS_CLIENT)) < 0 ||
	    (rc = gnutls_set_default_priority(t->s)) < 0 ||
	    (rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0) {
		tls_err(err, rc, "cannot set up TLS for", host);
		goto fail;
	}
	gnutls_transport_set_int(t->s, fd);
	gnutls_handshake_set_timeout(t->s, (unsigned)timeout_ms);
	do
		rc = gnutls_handshake(t->s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		tls_err(err, rc, "TLS handshake failed with", host);
		goto fail;
	}
	if (!no_verify && verify_peer(t, host, err) < 0)
		goto fail;
	gnutls_record_set_timeout(t->s, (unsigned)timeout_ms);
	do
		rc = (int)gnutls_record_recv(t->s, &ok, 1);
	while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
	gnutls_record_set_timeout(t->s, 0);
	if (rc != 1 || ok != 1) {
		hv_error_set(err, EACCES, "'%s' refused our certificate or address (%s)", host,
			     rc < 0 ? gnutls_strerror(rc) : "no confirmation");
		goto fail;
	}
	return t;
fail:
	hv_tls_free(t);
	return NULL;
}

bool
hv_tls_server_has_certs(const char *pkidir)
{
	g_autofree char *cert = g_build_filename(pkidir, "libvirt", "servercert.pem", NULL);

	return access(cert, R_OK) == 0;
}

HvTlsServer *
hv_tls_server_new(const char *pkidir, char **allowed_dn, bool verify_clients, GError **err)
{
	g_autofree char *ca = g_build_filename(pkidir, "CA", "cacert.pem", NULL);
	g_autofree char *crl = g_build_filename(pkidir, "CA", "cacrl.pem", NULL);
	g_autofree char *cert = g_build_filename(pkidir, "libvirt", "servercert.pem", NULL);
	g_autofree char *key = g_build_filename(pkidir, "libvirt", "private", "serverkey.pem", NULL);
	HvTlsServer *s = g_new0(HvTlsServer, 1);
	int rc;

	s->verify = verify_clients;
	s->allowed_dn = g_strdupv(allowed_dn);
	if ((rc = gnutls_certificate_allocate_credentials(&s->cred)) < 0) {
		tls_err(err, rc, "cannot set up TLS in", pkidir);
		goto fail;
	}
	rc = gnutls_certificate_set_x509_trust_file(s->cred, ca, GNUTLS_X509_FMT_PEM);
	if (rc <= 0) {
		hv_error_set(err, ENOENT, "cannot load the CA certificate '%s': %s", ca,
			     rc < 0 ? gnutls_strerror(rc) : "no certificate in it");
		goto fail;
	}
	if (access(crl, R_OK) == 0 &&
	    (rc = gnutls_certificate_set_x509_crl_file(s->cred, crl, GNUTLS_X509_FMT_PEM)) < 0) {
		tls_err(err, rc, "cannot load the CRL", crl);
		goto fail;
	}
	if ((rc = gnutls_certificate_set_x509_key_file(s->cred, cert, key, GNUTLS_X509_FMT_PEM)) < 0) {
		hv_error_set(err, ENOENT, "cannot load the server certificate '%s' and key '%s': %s",
			     cert, key, gnutls_strerror(rc));
		goto fail;
	}
	gnutls_certificate_set_known_dh_params(s->cred, GNUTLS_SEC_PARAM_MEDIUM);
	return s;
fail:
	hv_tls_server_free(s);
	return NULL;
}

void
hv_tls_server_free(HvTlsServer *s)
{
	if (!s)
		return;
	if (s->cred)
		gnutls_certificate_free_credentials(s->cred);
	g_strfreev(s->allowed_dn);
	g_free(s);
}

HvTls *
hv_tls_server_session(HvTlsServer *srv, int fd, GError **err)
{
	HvTls *t = g_new0(HvTls, 1);
	int rc;

	t->srv = srv;
	if ((rc = gnutls_init(&t->s, GNUTLS_SERVER | GNUTLS_NONBLOCK)) < 0 ||
	    (rc = gnutls_set_default_priority(t->s)) < 0 ||
	    (rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, srv->cred)) < 0) {
		tls_err(err, rc, "cannot set up a TLS session on", "listener");
		hv_tls_free(t);
		return NULL;
	}
	gnutls_certificate_server_set_request(t->s, srv->verify ? GNUTLS_CERT_REQUIRE
								 : GNUTLS_CERT_REQUEST);
	gnutls_transport_set_int(t->s, fd);
	return t;
}

int
hv_tls_handshake_step(HvTls *t, bool *want_write, GError **err)
{
	int rc = gnutls_handshake(t->s);

	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		*want_write = gnutls_record_get_direction(t->s) == 1;
		return 0;
	}
	if (rc < 0)
		return hv_error_set(err, EPROTO, "TLS handshake failed: %s", gnutls_strerror(rc));
	if (t->srv->verify && (verify_peer(t, NULL, err) < 0 || check_dn(t, err) < 0))
		return -EACCES;
	return 1;
}

static ssize_t
io_result(ssize_t rc)
{
	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_AGAIN)
		return -EAGAIN;
	if (rc == GNUTLS_E_INTERRUPTED)
		return -EINTR;
	if (rc == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return -EIO;
}

ssize_t
hv_tls_recv(HvTls *t, void *buf, size_t n)
{
	return io_result(gnutls_record_recv(t->s, buf, n));
}

ssize_t
hv_tls_send(HvTls *t, const void *buf, size_t n)
{
	ssize_t rc = t->again ? gnutls_record_send(t->s, NULL, 0) : gnutls_record_send(t->s, buf, n);

	t->again = rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
	return io_result(rc);
}

size_t
hv_tls_pending(HvTls *t)
{
	return gnutls_record_check_pending(t->s);
}

void
hv_tls_free(HvTls *t)
{
	if (!t)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	g_free(t);
}
