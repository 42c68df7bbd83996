-- The end of the byte range holding every text that starts with p: p with
-- its last character replaced by the next code point. UTF-8 keeps code
-- point order under byte comparison (text_pattern_ops), so the texts in
-- [p, fc_prefix_end(p)) are exactly those starting with p. Trailing
-- U+10FFFF (no next code point) are dropped first; UTF-16 surrogates, which
-- no text holds, are stepped over. NULL when p is empty or only U+10FFFF
-- (nothing then matches a range that ends in NULL). User search uses it so
-- its prefix tiers walk an index range in a prepared statement's plan,
-- where a LIKE pattern is not a constant and would scan the table.
CREATE FUNCTION fc_prefix_end(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN q = '' THEN NULL
                WHEN ascii(right(q, 1)) = 55295 THEN left(q, -1) || chr(57344)
                ELSE left(q, -1) || chr(ascii(right(q, 1)) + 1) END
    FROM rtrim(p, chr(1114111)) AS q
$$;
