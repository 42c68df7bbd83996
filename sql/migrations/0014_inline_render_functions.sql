-- fc_iso, fc_cursor and fc_cast_doc were declared IMMUTABLE while their bodies
-- call STABLE functions (to_char, extract on a timestamptz). PostgreSQL never
-- inlines a function whose body is less immutable than declared, so each
-- cast document ran as its own function call per row, and so did each time
-- in it: rendering a thread's 100 replies took ~13 ms of a ~36 ms request.
-- Declared STABLE (what they are), they inline into the queries that call
-- them. No index uses them.
ALTER FUNCTION fc_iso(timestamptz) STABLE;
ALTER FUNCTION fc_cursor(timestamptz, bytea) STABLE;
ALTER FUNCTION fc_cast_doc(casts, json, bigint, bigint, bigint) STABLE;
