#include "core/jsondepth.h"

bool fc_json_shape_ok(const char *s, size_t len, int max_depth, size_t max_items)
{
    int depth = 0;
    size_t items = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return false;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == ',' && ++items >= max_items) {
            return false;
        }
    }
    return true;
}
