// Load an ontology document with the OWL API (as Protégé does), resolving imports only through the
// IRI-to-file mappings given on the command line (the entries of catalog-v001.xml), and report
// whether the imports closure is in the OWL 2 DL profile.
// Run with the OWL API that owlready2's HermiT.jar bundles:
//   java -cp HermiT.jar ProfileCheck.java ONTOLOGY_FILE IRI=FILE...
// Output: one line per finding, prefixed by a keyword the Python caller parses.

import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportEvent;
import org.semanticweb.owlapi.model.MissingImportListener;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        // Only the given mappings: never fall back to fetching an import from the web.
        manager.clearIRIMappers();
        // OWL API 3 consults the mapper added last first: the fallback goes in first.
        manager.addIRIMapper(new OWLOntologyIRIMapper() {
            public IRI getDocumentIRI(IRI ontologyIRI) {
                System.out.println("MISSING-IMPORT " + ontologyIRI);
                return IRI.create(new File("/nonexistent/" + Math.abs(ontologyIRI.hashCode())));
            }
        });
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            manager.addIRIMapper(new SimpleIRIMapper(IRI.create(pair[0]), IRI.create(new File(pair[1]))));
        }
        manager.setSilentMissingImportsHandling(true);
        manager.addMissingImportListener(new MissingImportListener() {
            public void importMissing(MissingImportEvent event) {
                System.out.println("MISSING-IMPORT " + event.getImportedOntologyURI());
            }
        });
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        System.out.println("ONTOLOGY " + ontology.getOntologyID().getOntologyIRI());
        for (OWLOntology imported : ontology.getImportsClosure()) {
            if (!imported.equals(ontology)) {
                System.out.println("IMPORTED " + imported.getOntologyID().getOntologyIRI());
            }
        }
        int axioms = 0;
        for (OWLOntology member : ontology.getImportsClosure()) {
            axioms += member.getAxiomCount();
        }
        System.out.println("AXIOMS " + axioms);
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("VIOLATION " + violation.toString().replace('\n', ' '));
        }
        System.out.println(report.isInProfile() ? "PROFILE OWL2-DL" : "PROFILE NOT-OWL2-DL");
    }
}
