-- Authors are looked up one by one through the users primary key: the page
-- is a few dozen casts, but the planner, estimating 1,000 rows for the
-- array, hashed the whole users table for every page (2 ms with 10,000
-- users; it grows with the table).
CREATE OR REPLACE FUNCTION fc_casts_json(cs casts[]) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH c AS (SELECT cs[i] AS r, (cs[i]).hash AS h, (cs[i]).fid AS fid, i AS n
               FROM generate_subscripts(cs, 1) AS i),
    rx AS (SELECT target_hash AS h, count(*) FILTER (WHERE type = 1) AS likes,
                  count(*) FILTER (WHERE type = 2) AS recasts
           FROM reactions WHERE target_hash = ANY (SELECT h FROM c)
             AND NOT is_remove AND deleted_at IS NULL GROUP BY target_hash),
    rp AS (SELECT parent_hash AS h, count(*) AS replies FROM casts
           WHERE parent_hash = ANY (SELECT h FROM c) AND deleted_at IS NULL AND text IS NOT NULL
           GROUP BY parent_hash)
    SELECT coalesce(json_agg(fc_cast_doc(c.r, fc_user_brief(c.fid),
               coalesce(rx.likes, 0), coalesce(rx.recasts, 0), coalesce(rp.replies, 0))
               ORDER BY c.n), '[]')
    FROM c LEFT JOIN rx ON rx.h = c.h LEFT JOIN rp ON rp.h = c.h
$$;
