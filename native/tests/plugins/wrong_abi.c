/* A plug-in built against a newer plug-in ABI than this Anvil's: the host must refuse it before
 * reading anything beyond the version. */
#include "anvil_plugin.h"

static const anvil_plugin_v1 plugin = {99, "wrong_abi", 0, NULL};

const anvil_plugin_v1* anvil_plugin_entry(void) { return &plugin; }
