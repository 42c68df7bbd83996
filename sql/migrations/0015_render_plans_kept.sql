-- Cast documents are rendered by PL/pgSQL functions. PostgreSQL parses and
-- plans the body of a SQL function again in every statement that calls it
-- (it inlines only a single expression without FROM): fc_casts_json spent
-- ~7 ms of a thread request there, more than rendering 100 casts takes.
-- PL/pgSQL keeps each statement's plan for the connection's life.
--
-- Each cast's author, reaction counts and reply count are looked up through
-- their indexes, one probe per cast: a page is at most a few hundred casts,
-- and a grouped join over the page, planned for the 1,000 rows a function's
-- array is estimated at, chose a merge join walking all of casts_parent.

-- The documents of cs with their positions (1-based), in no set order.
CREATE FUNCTION fc_cast_docs(cs casts[]) RETURNS TABLE (ord bigint, doc json)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN QUERY
    SELECT i::bigint, fc_cast_doc(cs[i],
               json_build_object('fid', (cs[i]).fid, 'username', u.username,
                                 'display_name', u.display_name, 'pfp_url', u.pfp_url),
               rx.likes, rx.recasts, rp.replies)
    FROM generate_subscripts(cs, 1) AS i
    -- OFFSET 0 keeps the lookup a per-cast index probe, never a hash of users
    LEFT JOIN LATERAL (SELECT u.username, u.display_name, u.pfp_url FROM users u
                       WHERE u.fid = (cs[i]).fid OFFSET 0) u ON true
    CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE r.type = 1) AS likes,
                               count(*) FILTER (WHERE r.type = 2) AS recasts
                        FROM reactions r WHERE r.target_hash = (cs[i]).hash
                          AND NOT r.is_remove AND r.deleted_at IS NULL) rx
    CROSS JOIN LATERAL (SELECT count(*) AS replies FROM casts p
                        WHERE p.parent_hash = (cs[i]).hash AND p.deleted_at IS NULL
                          AND p.text IS NOT NULL) rp;
END
$$;

-- The documents of cs, in order, as one JSON array.
CREATE OR REPLACE FUNCTION fc_casts_json(cs casts[]) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT coalesce(json_agg(d.doc ORDER BY d.ord), '[]') FROM fc_cast_docs(cs) d);
END
$$;

-- One cast's document.
CREATE OR REPLACE FUNCTION fc_cast_json(c casts) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT d.doc FROM fc_cast_docs(ARRAY[c]) d);
END
$$;
