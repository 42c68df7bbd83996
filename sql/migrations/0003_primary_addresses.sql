-- Primary addresses arrive as user data text: Ethereum as 0x-hex, Solana as
-- base58. users keeps them as bytea like every other address, so profile
-- recomputation needs a base58 decoder. NULL for text that is not base58.
CREATE FUNCTION fc_base58_decode(s text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    alphabet constant text := '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    n numeric := 0;
    digit integer;
    result bytea := '';
    i integer;
BEGIN
    IF s = '' OR length(s) > 64 THEN
        RETURN NULL;
    END IF;
    FOR i IN 1..length(s) LOOP
        digit := strpos(alphabet, substr(s, i, 1)) - 1;
        IF digit < 0 THEN
            RETURN NULL;
        END IF;
        n := n * 58 + digit;
    END LOOP;
    WHILE n > 0 LOOP
        result := set_byte('\x00'::bytea, 0, mod(n, 256)::integer) || result;
        n := div(n, 256);
    END LOOP;
    -- each leading '1' stands for a zero byte
    i := 1;
    WHILE i <= length(s) AND substr(s, i, 1) = '1' LOOP
        result := '\x00'::bytea || result;
        i := i + 1;
    END LOOP;
    RETURN result;
END
$$;
