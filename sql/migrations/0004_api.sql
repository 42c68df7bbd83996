-- Read-side helpers for the API: every response document is built by
-- PostgreSQL (json_build_object escapes and types everything), so the server
-- only frames and caches. Solana addresses go out in base58, like the hubs.
CREATE FUNCTION fc_base58_encode(b bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    alphabet constant text := '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    n numeric := 0;
    result text := '';
    i integer;
BEGIN
    FOR i IN 0..length(b) - 1 LOOP
        n := n * 256 + get_byte(b, i);
    END LOOP;
    WHILE n > 0 LOOP
        result := substr(alphabet, mod(n, 58)::integer + 1, 1) || result;
        n := div(n, 58);
    END LOOP;
    i := 0;
    WHILE i < length(b) AND get_byte(b, i) = 0 LOOP
        result := '1' || result;
        i := i + 1;
    END LOOP;
    RETURN result;
END
$$;

CREATE FUNCTION fc_hex(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '0x' || encode(b, 'hex') $$;

CREATE FUNCTION fc_iso(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- Keyset cursor of a (timestamp, hash) ordered list: "<unix microseconds>:<hex>".
CREATE FUNCTION fc_cursor(t timestamptz, h bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (extract(epoch FROM t) * 1000000)::bigint || ':' || encode(h, 'hex') $$;

CREATE FUNCTION fc_user_brief(p_fid bigint) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('fid', p_fid, 'username', u.username,
                             'display_name', u.display_name, 'pfp_url', u.pfp_url)
    FROM (SELECT p_fid AS fid) k LEFT JOIN users u ON u.fid = k.fid
$$;

CREATE FUNCTION fc_cast_json(c casts) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'hash', fc_hex(c.hash),
        'fid', c.fid,
        'author', fc_user_brief(c.fid),
        'text', c.text,
        'timestamp', fc_iso(c."timestamp"),
        'type', CASE c.type WHEN 1 THEN 'long_cast' WHEN 2 THEN 'ten_k_cast' ELSE 'cast' END,
        'parent', CASE WHEN c.parent_hash IS NULL THEN NULL
                  ELSE json_build_object('hash', fc_hex(c.parent_hash), 'fid', c.parent_fid) END,
        'parent_url', c.parent_url,
        'root_parent_hash', fc_hex(c.root_parent_hash),
        'root_parent_url', c.root_parent_url,
        'embeds', c.embeds,
        'mentions', to_json(c.mentions),
        'mentions_positions', to_json(c.mentions_positions),
        'reactions', (SELECT json_build_object('likes', count(*) FILTER (WHERE r.type = 1),
                                               'recasts', count(*) FILTER (WHERE r.type = 2))
                      FROM reactions r
                      WHERE r.target_hash = c.hash AND NOT r.is_remove AND r.deleted_at IS NULL),
        'replies', (SELECT count(*) FROM casts r
                    WHERE r.parent_hash = c.hash AND r.deleted_at IS NULL AND r.text IS NOT NULL))
$$;

CREATE FUNCTION fc_user_json(p_fid bigint) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'fid', k.fid,
        'username', u.username,
        'display_name', u.display_name,
        'pfp_url', u.pfp_url,
        'bio', u.bio,
        'url', u.url,
        'location', u.location,
        'twitter', u.twitter,
        'github', u.github,
        'banner', u.banner,
        'custody_address', fc_hex(u.custody_address),
        'recovery_address', fc_hex(u.recovery_address),
        'primary_addresses', json_build_object(
            'ethereum', fc_hex(u.primary_address_ethereum),
            'solana', fc_base58_encode(u.primary_address_solana)),
        'verified_addresses', json_build_object(
            'ethereum', (SELECT coalesce(json_agg(DISTINCT fc_hex(v.address)), '[]')
                         FROM verifications v WHERE v.fid = k.fid AND v.protocol = 0
                           AND NOT v.is_remove AND v.deleted_at IS NULL),
            'solana', (SELECT coalesce(json_agg(DISTINCT fc_base58_encode(v.address)), '[]')
                       FROM verifications v WHERE v.fid = k.fid AND v.protocol = 1
                         AND NOT v.is_remove AND v.deleted_at IS NULL)),
        'app_fid', u.app_fid,
        'followers', (SELECT count(DISTINCT l.fid) FROM links l
                      WHERE l.target_fid = k.fid AND l.type = 'follow' AND NOT l.is_remove
                        AND l.deleted_at IS NULL),
        'following', (SELECT count(DISTINCT l.target_fid) FROM links l
                      WHERE l.fid = k.fid AND l.type = 'follow' AND NOT l.is_remove
                        AND l.deleted_at IS NULL),
        'casts', (SELECT count(*) FROM casts c
                  WHERE c.fid = k.fid AND c.deleted_at IS NULL AND c.text IS NOT NULL),
        'target', (SELECT json_build_object('root', t.is_root, 'source', t.source,
                                            'synced_at', fc_iso(t.last_synced_at))
                   FROM targets t WHERE t.fid = k.fid),
        'updated_at', fc_iso(u.updated_at))
    FROM (SELECT p_fid AS fid) k LEFT JOIN users u ON u.fid = k.fid
    WHERE u.fid IS NOT NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.fid = k.fid)
$$;
