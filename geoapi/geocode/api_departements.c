/*
 * api_departements.c — the table of French départements and the BAN `context` built from it.
 * See api_departements.h. Régions are those of the 2016 reform; overseas départements and
 * collectivités (971–978) are their own région.
 */
#include "api_departements.h"

#include <stdio.h>
#include <string.h>

struct departement {
    const char *code;     /* "01" … "95", "2A", "2B", "971" … */
    const char *name;
    const char *region;
};

#define ARA "Auvergne-Rhône-Alpes"
#define BFC "Bourgogne-Franche-Comté"
#define BRE "Bretagne"
#define CVL "Centre-Val de Loire"
#define GES "Grand Est"
#define HDF "Hauts-de-France"
#define IDF "Île-de-France"
#define NAQ "Nouvelle-Aquitaine"
#define NOR "Normandie"
#define OCC "Occitanie"
#define PAC "Provence-Alpes-Côte d'Azur"
#define PDL "Pays de la Loire"

/* Sorted by code (strcmp order: digits before letters, so "2A"/"2B" sit after "29"). */
static const struct departement table[] = {
    {"01", "Ain", ARA},
    {"02", "Aisne", HDF},
    {"03", "Allier", ARA},
    {"04", "Alpes-de-Haute-Provence", PAC},
    {"05", "Hautes-Alpes", PAC},
    {"06", "Alpes-Maritimes", PAC},
    {"07", "Ardèche", ARA},
    {"08", "Ardennes", GES},
    {"09", "Ariège", OCC},
    {"10", "Aube", GES},
    {"11", "Aude", OCC},
    {"12", "Aveyron", OCC},
    {"13", "Bouches-du-Rhône", PAC},
    {"14", "Calvados", NOR},
    {"15", "Cantal", ARA},
    {"16", "Charente", NAQ},
    {"17", "Charente-Maritime", NAQ},
    {"18", "Cher", CVL},
    {"19", "Corrèze", NAQ},
    {"21", "Côte-d'Or", BFC},
    {"22", "Côtes-d'Armor", BRE},
    {"23", "Creuse", NAQ},
    {"24", "Dordogne", NAQ},
    {"25", "Doubs", BFC},
    {"26", "Drôme", ARA},
    {"27", "Eure", NOR},
    {"28", "Eure-et-Loir", CVL},
    {"29", "Finistère", BRE},
    {"2A", "Corse-du-Sud", "Corse"},
    {"2B", "Haute-Corse", "Corse"},
    {"30", "Gard", OCC},
    {"31", "Haute-Garonne", OCC},
    {"32", "Gers", OCC},
    {"33", "Gironde", NAQ},
    {"34", "Hérault", OCC},
    {"35", "Ille-et-Vilaine", BRE},
    {"36", "Indre", CVL},
    {"37", "Indre-et-Loire", CVL},
    {"38", "Isère", ARA},
    {"39", "Jura", BFC},
    {"40", "Landes", NAQ},
    {"41", "Loir-et-Cher", CVL},
    {"42", "Loire", ARA},
    {"43", "Haute-Loire", ARA},
    {"44", "Loire-Atlantique", PDL},
    {"45", "Loiret", CVL},
    {"46", "Lot", OCC},
    {"47", "Lot-et-Garonne", NAQ},
    {"48", "Lozère", OCC},
    {"49", "Maine-et-Loire", PDL},
    {"50", "Manche", NOR},
    {"51", "Marne", GES},
    {"52", "Haute-Marne", GES},
    {"53", "Mayenne", PDL},
    {"54", "Meurthe-et-Moselle", GES},
    {"55", "Meuse", GES},
    {"56", "Morbihan", BRE},
    {"57", "Moselle", GES},
    {"58", "Nièvre", BFC},
    {"59", "Nord", HDF},
    {"60", "Oise", HDF},
    {"61", "Orne", NOR},
    {"62", "Pas-de-Calais", HDF},
    {"63", "Puy-de-Dôme", ARA},
    {"64", "Pyrénées-Atlantiques", NAQ},
    {"65", "Hautes-Pyrénées", OCC},
    {"66", "Pyrénées-Orientales", OCC},
    {"67", "Bas-Rhin", GES},
    {"68", "Haut-Rhin", GES},
    {"69", "Rhône", ARA},
    {"70", "Haute-Saône", BFC},
    {"71", "Saône-et-Loire", BFC},
    {"72", "Sarthe", PDL},
    {"73", "Savoie", ARA},
    {"74", "Haute-Savoie", ARA},
    {"75", "Paris", IDF},
    {"76", "Seine-Maritime", NOR},
    {"77", "Seine-et-Marne", IDF},
    {"78", "Yvelines", IDF},
    {"79", "Deux-Sèvres", NAQ},
    {"80", "Somme", HDF},
    {"81", "Tarn", OCC},
    {"82", "Tarn-et-Garonne", OCC},
    {"83", "Var", PAC},
    {"84", "Vaucluse", PAC},
    {"85", "Vendée", PDL},
    {"86", "Vienne", NAQ},
    {"87", "Haute-Vienne", NAQ},
    {"88", "Vosges", GES},
    {"89", "Yonne", BFC},
    {"90", "Territoire de Belfort", BFC},
    {"91", "Essonne", IDF},
    {"92", "Hauts-de-Seine", IDF},
    {"93", "Seine-Saint-Denis", IDF},
    {"94", "Val-de-Marne", IDF},
    {"95", "Val-d'Oise", IDF},
    {"971", "Guadeloupe", "Guadeloupe"},
    {"972", "Martinique", "Martinique"},
    {"973", "Guyane", "Guyane"},
    {"974", "La Réunion", "La Réunion"},
    {"975", "Saint-Pierre-et-Miquelon", "Saint-Pierre-et-Miquelon"},
    {"976", "Mayotte", "Mayotte"},
    {"977", "Saint-Barthélemy", "Saint-Barthélemy"},
    {"978", "Saint-Martin", "Saint-Martin"},
};

void api_departement_context(const char *insee, char *out, size_t cap)
{
    char code[4];
    size_t len = (insee && strncmp(insee, "97", 2) == 0) ? 3 : 2;
    size_t lo = 0, hi = sizeof table / sizeof table[0];

    if (cap == 0)
        return;
    out[0] = '\0';
    if (!insee || strlen(insee) < len)
        return;
    memcpy(code, insee, len);
    code[len] = '\0';
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(table[mid].code, code);
        if (c == 0) {
            snprintf(out, cap, "%s, %s, %s", code, table[mid].name, table[mid].region);
            return;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    snprintf(out, cap, "%s", code);
}
