package com.mp3converter.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renders a kustomize tree the way {@code kubectl kustomize} does, for the subset of kustomize this
 * project uses (resources, bases in other directories, namespace, labels, configMapGenerator,
 * secretGenerator with env files, files and labels, images). Any other kustomization field fails loudly,
 * so the test never validates a tree it only half understood. Generated ConfigMaps and Secrets keep
 * their plain names (kustomize appends a content hash and rewrites the references; the check is the same).
 */
public final class Kustomization {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "namespace", "labels", "resources",
            "configMapGenerator", "secretGenerator", "images");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "PersistentVolume", "StorageClass",
            "ClusterRole", "ClusterRoleBinding", "IngressClass");

    private Kustomization() {
    }

    public static List<ObjectNode> build(Path root) throws IOException {
        Path file = root.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no kustomization.yaml in " + root);
        }
        JsonNode kustomization = YAML.readTree(file.toFile());
        for (var names = kustomization.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!SUPPORTED.contains(field)) {
                throw new IOException(file + ": kustomization field '" + field + "' is not understood by this check");
            }
        }
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = resource(root, resource.asText());
            objects.addAll(Files.isDirectory(path) ? build(path) : documents(path));
        }
        for (JsonNode generator : kustomization.path("configMapGenerator")) {
            objects.add(configMap(root, generator));
        }
        for (JsonNode generator : kustomization.path("secretGenerator")) {
            objects.add(secret(root, generator));
        }
        for (JsonNode image : kustomization.path("images")) {
            retag(objects, image);
        }
        String namespace = kustomization.path("namespace").asText(null);
        for (ObjectNode object : objects) {
            ObjectNode metadata = object.with("metadata");
            if (namespace != null && !CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                metadata.put("namespace", namespace);
            }
            for (JsonNode label : kustomization.path("labels")) {
                if (label.path("includeSelectors").asBoolean(false) || label.path("includeTemplates").asBoolean(false)) {
                    throw new IOException(file + ": labels with includeSelectors/includeTemplates are not understood by this check");
                }
                label.path("pairs").fields().forEachRemaining(pair -> metadata.with("labels").set(pair.getKey(), pair.getValue()));
            }
        }
        return objects;
    }

    /** Kustomize refuses files outside its root (another kustomization's directory is allowed); so does this. */
    private static Path resource(Path root, String relative) throws IOException {
        Path path = root.resolve(relative).normalize();
        boolean base = Files.isRegularFile(path.resolve("kustomization.yaml"));
        if (!(base || path.startsWith(root.normalize())) || !Files.exists(path)) {
            throw new IOException(root + ": resource '" + relative + "' is missing or outside the kustomization root");
        }
        return path;
    }

    private static List<ObjectNode> documents(Path file) throws IOException {
        List<ObjectNode> documents = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode document = it.next();
                if (document == null || document.isMissingNode() || document.isNull() || document.isEmpty()) {
                    continue;
                }
                if (!document.isObject()) {
                    throw new IOException(file + ": a document is not an object");
                }
                documents.add((ObjectNode) document);
            }
        }
        return documents;
    }

    /** A Secret from env files (KEY=value lines, # comments) and files (KEY=path), as stringData. */
    private static ObjectNode secret(Path root, JsonNode generator) throws IOException {
        ObjectNode secret = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "Secret").put("type", "Opaque");
        ObjectNode metadata = secret.with("metadata").put("name", generator.path("name").asText());
        generator.path("options").path("labels").fields().forEachRemaining(label -> metadata.with("labels").set(label.getKey(), label.getValue()));
        ObjectNode data = secret.with("stringData");
        for (JsonNode env : generator.path("envs")) {
            for (String line : Files.readAllLines(resource(root, env.asText()))) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    data.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
            }
        }
        for (JsonNode file : generator.path("files")) {
            String[] keyAndPath = file.asText().split("=", 2);
            data.put(keyAndPath[0], Files.readString(resource(root, keyAndPath[1])));
        }
        return secret;
    }

    /** images: sets the tag of every container whose image has that name. */
    private static void retag(List<ObjectNode> objects, JsonNode image) {
        String name = image.path("name").asText();
        for (ObjectNode object : objects) {
            for (JsonNode container : object.path("spec").path("template").path("spec").path("containers")) {
                String current = container.path("image").asText();
                if (current.equals(name) || current.startsWith(name + ":")) {
                    ((ObjectNode) container).put("image", name + ":" + image.path("newTag").asText());
                }
            }
        }
    }

    private static ObjectNode configMap(Path root, JsonNode generator) throws IOException {
        ObjectNode configMap = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        configMap.with("metadata").put("name", generator.path("name").asText());
        for (JsonNode entry : generator.path("files")) {
            Path source = resource(root, entry.asText());
            configMap.with("data").put(source.getFileName().toString(), Files.readString(source));
        }
        return configMap;
    }
}
