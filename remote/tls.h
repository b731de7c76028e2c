/* tls.h: x509 TLS (gnutls) for both ends of libvirt's protocol: the client's
 * check of the server (CA, dates, hostname), the server's check of the client
 * (certificate required, CA, dates, an optional DN allow-list), and libvirt's
 * confirmation byte ('\1' from the server once it accepted the client). */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct HvTls HvTls;           /* one session */
typedef struct HvTlsServer HvTlsServer; /* hyperfsd's credentials and policy */

/* Client: a blocking handshake on the connected socket fd, the server check
 * (skipped with no_verify) and the confirmation byte, all within timeout_ms.
 * pkipath: DIR/cacert.pem, DIR/clientcert.pem, DIR/clientkey.pem; NULL means
 * /etc/pki/CA/cacert.pem, /etc/pki/libvirt/clientcert.pem and
 * /etc/pki/libvirt/private/clientkey.pem. A missing client certificate is not an
 * error here (the server refuses it). */
HvTls *hv_tls_client_new(int fd, const char *pkipath, const char *host, bool no_verify,
			 int timeout_ms, GError **err);

/* Server: DIR/CA/cacert.pem, DIR/libvirt/servercert.pem,
 * DIR/libvirt/private/serverkey.pem (libvirt's /etc/pki layout).
 * allowed_dn: NULL, or fnmatch patterns against the client's DN. */
HvTlsServer *hv_tls_server_new(const char *pkidir, char **allowed_dn, bool verify_clients,
			       GError **err);
void hv_tls_server_free(HvTlsServer *s);
/* A non-blocking server session on an accepted socket. */
HvTls *hv_tls_server_session(HvTlsServer *s, int fd, GError **err);
/* One handshake step: 1 done and the client accepted, 0 more I/O needed
 * (*want_write says which way), -errno when it failed or the client is refused. */
int hv_tls_handshake_step(HvTls *t, bool *want_write, GError **err);

/* Record I/O: bytes, 0 at EOF, -EAGAIN, -EINTR or -EIO. A send that returned
 * -EAGAIN must be repeated with the same data. */
ssize_t hv_tls_recv(HvTls *t, void *buf, size_t n);
ssize_t hv_tls_send(HvTls *t, const void *buf, size_t n);
/* The peer's certificate DN in libvirt's format ("O=hyperfs,CN=client"),
 * owned, or NULL when it sent none. */
char *hv_tls_peer_dn(HvTls *t);
/* Decrypted bytes waiting inside the session (poll() does not see them). */
size_t hv_tls_pending(HvTls *t);
void hv_tls_free(HvTls *t);
/* Whether pkidir holds a server certificate (for hyperfsd's default listener). */
bool hv_tls_server_has_certs(const char *pkidir);
