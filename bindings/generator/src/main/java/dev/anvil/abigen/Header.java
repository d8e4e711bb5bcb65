package dev.anvil.abigen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the bindings need of anvil.h: the ABI version, the enum constants, the structs with their
 * layout, and the functions. The parser reads the subset of C that the header is written in (and
 * refuses anything else, quoting it): typedef'd enums with explicit values, opaque handle
 * typedefs, typedef'd structs of fixed-width fields, and {@code ANVIL_API} function declarations,
 * optionally marked {@code ANVIL_LEAF}. Preprocessor lines are skipped, except the ABI version, and
 * so is everything inside {@code #ifdef __cplusplus}.
 */
record Header(int abiVersion, Map<String, Integer> constants, List<Struct> structs, List<Function> functions) {

    record Field(String name, CType type, int offset) {}

    record Struct(String name, List<Field> fields, int size) {}

    record Param(String name, CType type) {}

    /**
     * @param leaf marked ANVIL_LEAF in the header: short, never blocks, never calls back
     * @param prototype the declaration as written (whitespace collapsed), for documentation
     */
    record Function(String name, CType returns, List<Param> params, boolean leaf, String prototype) {}

    private static final Pattern VERSION = Pattern.compile("#\\s*define\\s+ANVIL_ABI_VERSION\\s+(\\d+)\\s*");
    private static final Pattern ENUM = Pattern.compile("typedef enum (\\w+) \\{(.*)} (\\w+)");
    private static final Pattern OPAQUE = Pattern.compile("typedef struct (\\w+) (\\w+)");
    private static final Pattern STRUCT = Pattern.compile("typedef struct (\\w+) \\{(.*)} (\\w+)");
    private static final Pattern FUNCTION = Pattern.compile("ANVIL_API (ANVIL_LEAF )?(.+?) ?\\b(anvil_\\w+) ?\\((.*)\\)");
    private static final Pattern DECLARATOR = Pattern.compile("(.*?)\\b(\\w+)(\\[(\\d+)])?");

    static Header parse(String text) {
        int version = -1;
        StringBuilder code = new StringBuilder();
        int skipDepth = 0;
        for (String line : stripComments(text).split("\n")) {
            String t = line.trim();
            if (t.startsWith("#")) {
                Matcher v = VERSION.matcher(t);
                if (v.matches()) version = Integer.parseInt(v.group(1));
                if (skipDepth > 0 && t.matches("#\\s*if.*")) skipDepth++;
                else if (skipDepth > 0 && t.matches("#\\s*endif.*")) skipDepth--;
                else if (t.matches("#\\s*ifdef\\s+__cplusplus")) skipDepth = 1;
            } else if (skipDepth == 0) {
                code.append(line).append('\n');
            }
        }
        if (version < 0) throw new IllegalArgumentException("anvil.h defines no ANVIL_ABI_VERSION");

        Set<String> enums = new LinkedHashSet<>();
        Map<String, Integer> constants = new LinkedHashMap<>();
        List<Struct> structs = new ArrayList<>();
        List<Function> functions = new ArrayList<>();
        for (String declaration : declarations(code.toString())) {
            Matcher m;
            if ((m = ENUM.matcher(declaration)).matches()) {
                enums.add(m.group(3));
                for (String item : m.group(2).split(",")) {
                    if (item.isBlank()) continue;
                    String[] kv = item.split("=");
                    if (kv.length != 2) throw unsupported("enumerator without an explicit value", declaration);
                    constants.put(kv[0].trim(), Integer.decode(kv[1].trim()));
                }
            } else if ((m = STRUCT.matcher(declaration)).matches()) {
                structs.add(struct(m.group(3), m.group(2), enums));
            } else if (OPAQUE.matcher(declaration).matches()) {
                continue; // handles are pointers to it, which travel as addresses
            } else if ((m = FUNCTION.matcher(declaration)).matches()) {
                functions.add(function(m, enums, declaration));
            } else {
                throw unsupported("declaration", declaration);
            }
        }
        return new Header(version, constants, structs, functions);
    }

    private static Struct struct(String name, String body, Set<String> enums) {
        List<Field> fields = new ArrayList<>();
        int offset = 0;
        int alignment = 1;
        for (String member : body.split(";")) {
            member = member.trim();
            if (member.isEmpty()) continue;
            String[] declarators = member.split(",");
            Matcher first = DECLARATOR.matcher(declarators[0].trim());
            if (!first.matches() || first.group(1).isBlank()) throw unsupported("struct member", name + ": " + member);
            String base = first.group(1).trim();
            for (String d : declarators) {
                Matcher m = DECLARATOR.matcher(d.trim());
                if (!m.matches() || d.contains("*")) throw unsupported("struct member", name + ": " + member);
                String spelled = m.group(4) == null ? base : base + "[" + m.group(4) + "]";
                CType type = CType.parse(spelled, enums);
                offset = align(offset, type.alignment());
                fields.add(new Field(m.group(2), type, offset));
                offset += type.size();
                alignment = Math.max(alignment, type.alignment());
            }
        }
        return new Struct(name, List.copyOf(fields), align(offset, alignment));
    }

    private static Function function(Matcher m, Set<String> enums, String declaration) {
        List<Param> params = new ArrayList<>();
        String list = m.group(4).trim();
        if (!list.equals("void")) {
            for (String p : list.split(",")) {
                Matcher d = DECLARATOR.matcher(p.trim());
                if (!d.matches() || d.group(3) != null || d.group(1).isBlank()) throw unsupported("parameter", declaration);
                params.add(new Param(d.group(2), CType.parse(typeName(d.group(1)), enums)));
            }
        }
        CType returns = CType.parse(typeName(m.group(2)), enums);
        return new Function(m.group(3), returns, List.copyOf(params), m.group(1) != null, declaration);
    }

    /** "const float *" -> "const float*" */
    private static String typeName(String spelled) {
        return spelled.trim().replaceAll("\\s*\\*", "*");
    }

    private static int align(int offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** The top-level declarations (split at ';' outside braces), whitespace collapsed. */
    private static List<String> declarations(String code) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char ch : code.toCharArray()) {
            if (ch == '{') depth++;
            if (ch == '}') depth--;
            if (ch == ';' && depth == 0) {
                String d = current.toString().replaceAll("\\s+", " ").trim();
                if (!d.isEmpty()) out.add(d);
                current.setLength(0);
            } else {
                current.append(ch);
            }
        }
        if (!current.toString().isBlank()) throw unsupported("trailing text", current.toString().trim());
        return out;
    }

    private static String stripComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
    }

    private static IllegalArgumentException unsupported(String what, String text) {
        return new IllegalArgumentException("anvil.h: unsupported " + what + ": " + text);
    }
}
