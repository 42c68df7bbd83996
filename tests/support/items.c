#include "support/items.h"

#include <stdio.h>

bool fct_item_error(const struct fc_item *it, size_t *errors)
{
    if (it->kind != FC_ITEM_ERROR)
        return false;
    fprintf(stderr, "decode error: %s: %s\n", it->error_path, it->error);
    (*errors)++;
    return true;
}
