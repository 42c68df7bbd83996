-- User search: exact and prefix matches on the username and display name,
-- then full text over username, display name and bio.
CREATE FUNCTION fc_user_tsv(username text, display_name text, bio text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple', coalesce(username, '') || ' ' || coalesce(display_name, '') ||
                                 ' ' || coalesce(bio, ''))
$$;
CREATE INDEX users_text_search ON users USING gin (fc_user_tsv(username, display_name, bio));
CREATE INDEX users_username_prefix ON users (lower(username) text_pattern_ops)
    WHERE username IS NOT NULL;
CREATE INDEX users_display_name_prefix ON users (lower(display_name) text_pattern_ops)
    WHERE display_name IS NOT NULL;
