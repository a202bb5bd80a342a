#include "src/testing/tls.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kube::testing::internal {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, std::size_t(n));
}

std::string pem_cert(X509* c) {
  std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(b.get(), c);
  return bio_string(b.get());
}

std::string pem_key(EVP_PKEY* k) {
  std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_string(b.get());
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Cert make_cert(EVP_PKEY* key, const char* cn, const char* org, X509* issuer, EVP_PKEY* issuer_key,
               bool ca, const char* san, const char* eku) {
  Cert c(X509_new(), X509_free);
  X509_set_version(c.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 60L * 60 * 24 * 365);
  X509_set_pubkey(c.get(), key);
  X509_NAME* name = X509_get_subject_name(c.get());
  if (org) X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(org), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* iss = issuer ? issuer : c.get();
  X509_set_issuer_name(c.get(), X509_get_subject_name(iss));
  bool ok = true;
  if (ca) {
    ok &= add_ext(c.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
    ok &= add_ext(c.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    ok &= add_ext(c.get(), iss, NID_subject_key_identifier, "hash");
  } else {
    ok &= add_ext(c.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    ok &= add_ext(c.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    ok &= add_ext(c.get(), iss, NID_ext_key_usage, eku);
    if (san) ok &= add_ext(c.get(), iss, NID_subject_alt_name, san);
  }
  if (!ok || X509_sign(c.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) return Cert(nullptr, X509_free);
  return c;
}

}  // namespace

Result<Pki> generate_pki() {
  Key ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Key server_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Key client_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!ca_key || !server_key || !client_key) return Error::internal("tls: cannot generate EC keys");
  Cert ca = make_cert(ca_key.get(), "kinformer-apiserver-ca", nullptr, nullptr, nullptr, true, nullptr, nullptr);
  if (!ca) return Error::internal("tls: cannot build the CA certificate");
  Cert server = make_cert(server_key.get(), "kinformer-apiserver", nullptr, ca.get(), ca_key.get(), false,
                          "IP:127.0.0.1,IP:::1,DNS:localhost", "serverAuth");
  Cert client = make_cert(client_key.get(), "kinformer-admin", "system:masters", ca.get(), ca_key.get(),
                          false, nullptr, "clientAuth");
  if (!server || !client) return Error::internal("tls: cannot build the server/client certificates");
  return Pki{pem_cert(ca.get()), pem_cert(server.get()), pem_key(server_key.get()), pem_cert(client.get()),
             pem_key(client_key.get())};
}

}  // namespace kube::testing::internal
