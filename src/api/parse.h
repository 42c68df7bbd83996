/* Pure parsers for what a request names: route patterns against paths,
 * limits, cursors, cast hashes and usernames. No I/O and no allocation, so
 * the fuzz target exercises them alone (tests/fuzz/fuzz_api_parse.c). */
#ifndef FC_API_PARSE_H
#define FC_API_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define FC_API_MAX_PARAMS 4

/* Matches path ("/v1/users/3") against pattern ("/v1/users/:fid"): each
 * ":name" segment matches one non-empty segment, whose offset and length in
 * path are stored. */
bool fc_api_match(const char *pattern, const char *path, size_t off[FC_API_MAX_PARAMS],
                  size_t len[FC_API_MAX_PARAMS], size_t *n);

/* A decimal from 1 to max with at most 4 digits. */
bool fc_api_parse_limit(const char *s, int max, int *out);

/* A keyset cursor "<unix µs>:<40 lowercase hex>" into its two parts. */
bool fc_api_parse_keyset(const char *s, char ts[40], char hash[48]);

/* An offset cursor: a decimal from 0 to 10,000. */
bool fc_api_parse_offset(const char *s, int *out);

/* "0x" + 8..40 hex digits, even length: lo gets the lowercase digits and hi
 * the prefix plus one (the exclusive upper bound of the hashes starting
 * with it); *has_hi is false when the prefix is all f. */
bool fc_api_parse_hash_prefix(const char *s, char lo[48], char hi[48], bool *has_hi);

/* 1..64 of [A-Za-z0-9._-], lowercased into out. */
bool fc_api_parse_username(const char *s, char out[72]);

/* The host name of a Host header ("Name:8080", "[::1]:8080", "name."):
 * lowercased, without port or trailing dot, into out. False when it is
 * empty, too long or has characters no host name has. */
bool fc_api_host_name(const char *host_header, char out[256]);

/* The host name of an Origin ("https://name:8443") the same way; false for
 * "null", other schemes, paths or junk. */
bool fc_api_origin_host(const char *origin, char out[256]);

/* The client behind trusted proxies from X-Forwarded-For: the rightmost
 * entry that is not itself a trusted proxy (entries further left are
 * whatever the client claimed). is_proxy(arg, s, len) says whether an
 * address is trusted. Returns false (ip untouched) when the header names
 * no usable address. */
bool fc_api_forwarded_client(const char *xff, bool (*is_proxy)(void *, const char *, size_t),
                             void *arg, char *ip, size_t ip_size);

/* The bucket name of a client address for rate limits: IPv4 as is, IPv6
 * cut to its /64 (one subscriber usually holds a whole /64). */
void fc_api_client_bucket(const char *ip, char *out, size_t out_size);

#endif
