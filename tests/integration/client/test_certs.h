// Test helper: a throwaway CA, a server certificate for 127.0.0.1/localhost
// and a client certificate, generated in memory with OpenSSL (EC P-256).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kube::testing {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

struct TestPki {
  KeyPair ca;
  KeyPair server;
  KeyPair client;  // CN = client_cn
};

namespace detail {

inline std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string s(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return s;
}

inline EVP_PKEY* new_key() { return EVP_EC_gen("P-256"); }

inline std::string key_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_string(bio);
}

inline std::string cert_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  return bio_string(bio);
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signs a certificate for `key` with (issuer, issuer_key); self-signed when issuer is null.
inline X509* make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial,
                       bool is_ca, const char* san) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : cert;
  if (is_ca) {
    add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert, iss, NID_basic_constraints, "CA:FALSE");
    add_ext(cert, iss, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  if (san) add_ext(cert, iss, NID_subject_alt_name, san);
  X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

}  // namespace detail

inline TestPki make_test_pki(const char* client_cn = "admin") {
  using namespace detail;
  TestPki pki;
  EVP_PKEY* ca_key = new_key();
  X509* ca = make_cert(ca_key, "kinformer-test-ca", nullptr, nullptr, 1, true, nullptr);
  EVP_PKEY* server_key = new_key();
  X509* server = make_cert(server_key, "kube-apiserver", ca, ca_key, 2, false, "IP:127.0.0.1,DNS:localhost");
  EVP_PKEY* client_key = new_key();
  X509* client = make_cert(client_key, client_cn, ca, ca_key, 3, false, nullptr);
  pki.ca = {cert_pem(ca), key_pem(ca_key)};
  pki.server = {cert_pem(server), key_pem(server_key)};
  pki.client = {cert_pem(client), key_pem(client_key)};
  X509_free(ca);
  X509_free(server);
  X509_free(client);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(server_key);
  EVP_PKEY_free(client_key);
  return pki;
}

}  // namespace kube::testing
